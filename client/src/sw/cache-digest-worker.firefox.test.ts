// The worker in Firefox ESR (WebDriver BiDi through puppeteer-core): see engine-scenarios.ts.
import { describe } from 'vitest';
import { firefoxDriver } from '../../test-support/engine-driver.ts';
import { describeEngine } from '../../test-support/engine-scenarios.ts';

describe('Firefox', () => {
  describeEngine(firefoxDriver, { preloadQuirk: false, pageSurvivesServerDeath: true });
});
