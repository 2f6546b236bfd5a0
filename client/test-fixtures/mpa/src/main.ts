import { markReady } from './shared.ts';

markReady('home');
