import { MeasureError } from './measure-error.ts';
import type { MeasureCell } from './run-measure.ts';

/**
 * A measurement that ended with cells lacking any successful visit: every
 * attempt of their runs failed, or the run's failure budget was spent before
 * they were tried. Carries every cell (the measured ones keep their figures)
 * and names the first cell that failed with its last reason.
 */
export class MeasureIncompleteError extends MeasureError {
  override name = 'MeasureIncompleteError';

  constructor(
    message: string,
    /** Every cell of the run, measured or not. */
    readonly cells: MeasureCell[],
    /** The cells with status `failed` or `skipped`. */
    readonly failedCells: MeasureCell[],
  ) {
    super(message);
  }
}
