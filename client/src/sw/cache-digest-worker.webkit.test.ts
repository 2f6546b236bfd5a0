// The worker in WebKitGTK (Safari's engine; plain WebDriver, requests counted
// on the server): see engine-scenarios.ts. The returning-visit test is the
// regression test of WebKit's cold start: a preload response whose body is
// not the stream it announces (preload-unusable.ts).
import { describe } from 'vitest';
import { webkitDriver } from '../../test-support/engine-driver.ts';
import { describeEngine } from '../../test-support/engine-scenarios.ts';

describe('WebKit', () => {
  describeEngine(webkitDriver, { preloadQuirk: true, pageSurvivesServerDeath: false });
});
