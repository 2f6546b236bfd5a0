export { measureCommand, type MeasureIO } from './measure-command.ts';
export { MeasureError } from './measure-error.ts';
export { MeasureIncompleteError } from './measure-incomplete-error.ts';
export { parseMeasureArgs, MEASURE_USAGE, type MeasureSettings } from './parse-measure-args.ts';
export { parseBandwidth } from './parse-bandwidth.ts';
export { preflight } from './preflight.ts';
export { runMeasure, type MeasureCell, type MeasureCellStatus, type VisitAttempts } from './run-measure.ts';
export { measureChart, measureTables, type MeasureReport } from './measure-report.ts';
