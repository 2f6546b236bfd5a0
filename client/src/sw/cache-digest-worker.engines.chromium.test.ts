// The cross-engine suite (engine-scenarios.ts) in Chromium, next to Firefox and WebKit.
import { describe } from 'vitest';
import { chromiumDriver } from '../../test-support/engine-driver.ts';
import { describeEngine } from '../../test-support/engine-scenarios.ts';

describe('Chromium', () => {
  describeEngine(chromiumDriver, { preloadQuirk: false, pageSurvivesServerDeath: true });
});
