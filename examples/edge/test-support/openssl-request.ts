import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What `openssl s_client` reported for one raw HTTP/1.1 request. */
export interface OpensslResult {
  /** The TLS session was resumed (`Reused, TLSv1.3`). */
  reused: boolean;
  /** The server accepted the request sent as TLS 1.3 early data. */
  earlyDataAccepted: boolean;
  /** The response status line's code, or 0 when none came. */
  status: number;
  /** The response as received (head and body). */
  response: string;
}

/**
 * Sends one raw HTTP/1.1 request with `openssl s_client` (the only client here
 * that sends TLS 1.3 early data on demand): `sessionOut` saves the session
 * ticket, `sessionIn` resumes it and sends the request as early data.
 */
export async function opensslRequest(options: { port: number; request: string; workDir: string; sessionOut?: string; sessionIn?: string }): Promise<OpensslResult> {
  const requestFile = path.join(options.workDir, `request-${process.hrtime.bigint()}.txt`);
  await writeFile(requestFile, options.request);
  const args = ['s_client', '-connect', `127.0.0.1:${options.port}`, '-servername', 'localhost', '-tls1_3', '-ign_eof'];
  if (options.sessionOut) args.push('-sess_out', options.sessionOut);
  if (options.sessionIn) args.push('-sess_in', options.sessionIn, '-early_data', requestFile);
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  // Without early data the request goes after the handshake, on stdin; -ign_eof keeps reading until the server closes.
  if (!options.sessionIn) child.stdin.write(options.request);
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  const status = /^HTTP\/1\.1 (\d{3})/m.exec(output);
  return {
    reused: /^Reused, TLSv1\.3/m.test(output),
    earlyDataAccepted: /Early data was accepted/.test(output),
    status: status ? Number(status[1]) : 0,
    response: output.slice(status?.index ?? output.length),
  };
}
