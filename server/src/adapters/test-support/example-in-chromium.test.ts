import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startExample } from './example-in-chromium.ts';

/** True while a process with this id runs (a zombie waiting for a reaper that never comes counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: signal 0 is all there is
  }
}

// An "example" that starts a long-lived child of its own (as workerd's does), says its pid, and never prints a URL.
const SPAWNS_AND_HANGS = `
const { spawn } = require('node:child_process');
const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log('grandchild ' + grandchild.pid);
setInterval(() => {}, 1000);
`;

describe('startExample', () => {
  it('a start that times out kills the example and what it spawned before rejecting', async () => {
    let output = '';
    const error = await startExample('hang', ['-e', SPAWNS_AND_HANGS], {}, /http:\/\/localhost:(\d+)/, 1_500).then(
      () => undefined,
      (thrown: Error) => thrown,
    );
    expect(error?.message).toMatch(/hang did not start within 1500 ms/);
    output = error!.message;
    const grandchild = Number(/grandchild (\d+)/.exec(output)![1]);
    // SIGKILL is delivered at once, but the kernel reaps the orphan asynchronously.
    for (let i = 0; i < 50 && alive(grandchild); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(grandchild)).toBe(false);
  });
});
