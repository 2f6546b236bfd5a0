import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * A TCP relay on loopback in front of a test server that counts the bytes
 * the server sends towards the browser (TLS records included): what a
 * stream really costs on the wire. `target` (a port) can change between
 * visits; {@link dropConnections} makes the next visit reach it.
 */
export class ByteCountingRelay {
  /** Bytes sent towards the client since the start or the last reset. */
  downBytes = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    /** The relay's own origin (`https://127.0.0.1:PORT`). */
    readonly origin: string,
    public target: number,
  ) {}

  /** Starts a relay to `target` (a port on 127.0.0.1). */
  static async start(target: number): Promise<ByteCountingRelay> {
    let relay!: ByteCountingRelay;
    const server = net.createServer((client) => {
      const upstream = net.connect(relay.target, '127.0.0.1');
      relay.sockets.add(client);
      upstream.on('data', (chunk: Buffer) => (relay.downBytes += chunk.byteLength));
      client.pipe(upstream).pipe(client);
      const close = () => {
        relay.sockets.delete(client);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay = new ByteCountingRelay(server, `https://127.0.0.1:${(server.address() as AddressInfo).port}`, target);
    return relay;
  }

  /** Closes every relayed connection: the browser's next request opens a new one (to the current target). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Headless Chromium with a persistent profile in `dir`, trusting the dev certificate `spki`, TCP only (no QUIC). */
export function launchTestChromium(dir: string, spki: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${spki}`],
  });
}
