import { launchDeno } from './test-support/launch-runtime.ts';
import { runtimeContract } from './test-support/runtime-contract.ts';

runtimeContract('deno', launchDeno);
