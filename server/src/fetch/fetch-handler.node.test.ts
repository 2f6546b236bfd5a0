import { launchNode } from './test-support/launch-runtime.ts';
import { runtimeContract } from './test-support/runtime-contract.ts';

runtimeContract('node', launchNode);
