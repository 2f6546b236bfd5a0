import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from './delay-proxy.ts';

// A real echo server on loopback: whatever a client sends comes back.
let echo: net.Server;
let echoPort = 0;
const openSockets = new Set<net.Socket>();

beforeAll(async () => {
  echo = net.createServer((socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

function connect(proxy: DelayProxy): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy.port, proxy.host, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Read until `length` bytes came back; resolves with them and the time of the last byte. */
function readExactly(socket: net.Socket, length: number): Promise<{ bytes: Buffer; at: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= length) {
        socket.off('data', onData);
        resolve({ bytes: Buffer.concat(chunks), at: performance.now() });
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${received} of ${length} bytes`)));
  });
}

describe('startDelayProxy', () => {
  it('relays bytes intact and in order in both directions and counts them', async () => {
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, rttMs: 20 });
    try {
      const socket = await connect(proxy);
      // Many small writes interleaved with large ones: order must survive the queue.
      const parts = Array.from({ length: 200 }, (_, i) => randomBytes(i % 7 === 0 ? 40_000 : 1 + (i % 50)));
      const sent = Buffer.concat(parts);
      const reply = readExactly(socket, sent.length);
      for (const part of parts) socket.write(part);
      const { bytes } = await reply;
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(sent).digest('hex'));
      expect(proxy.stats()).toEqual({ connections: 1, bytesUp: sent.length, bytesDown: sent.length });
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('counts each connection and resets its counters', async () => {
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, rttMs: 10 });
    try {
      const sockets = await Promise.all([connect(proxy), connect(proxy), connect(proxy)]);
      await Promise.all(
        sockets.map((socket, i) => {
          const reply = readExactly(socket, 10 + i);
          socket.write(Buffer.alloc(10 + i, i));
          return reply;
        }),
      );
      expect(proxy.stats()).toEqual({ connections: 3, bytesUp: 33, bytesDown: 33 });
      proxy.resetStats();
      expect(proxy.stats()).toEqual({ connections: 0, bytesUp: 0, bytesDown: 0 });
      const reply = readExactly(sockets[0]!, 5);
      sockets[0]!.write('hello');
      expect((await reply).bytes.toString()).toBe('hello');
      expect(proxy.stats()).toEqual({ connections: 0, bytesUp: 5, bytesDown: 5 });
      for (const socket of sockets) socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('never delivers sooner than the emulated round trips allow', async () => {
    const rttMs = 150;
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, rttMs });
    try {
      const start = performance.now();
      const socket = await connect(proxy);
      // First exchange: connect (1 RTT) + request (RTT/2) + reply (RTT/2).
      let reply = readExactly(socket, 4);
      socket.write('ping');
      const first = await reply;
      expect(first.at - start).toBeGreaterThanOrEqual(2 * rttMs - 2);
      // A later exchange on the open connection costs one RTT.
      const sentAt = performance.now();
      reply = readExactly(socket, 4);
      socket.write('pong');
      const second = await reply;
      expect(second.at - sentAt).toBeGreaterThanOrEqual(rttMs - 2);
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('caps bandwidth in each direction', async () => {
    // 200 KB at 1 MB/s takes at least 200 ms to leave the sender, each way.
    const proxy = await startDelayProxy({
      targetHost: '127.0.0.1',
      targetPort: echoPort,
      rttMs: 0,
      bandwidthBytesPerSecond: 1_000_000,
    });
    try {
      const socket = await connect(proxy);
      const payload = randomBytes(200_000);
      const sentAt = performance.now();
      const reply = readExactly(socket, payload.length);
      socket.write(payload);
      const { bytes, at } = await reply;
      expect(bytes.equals(payload)).toBe(true);
      expect(at - sentAt).toBeGreaterThanOrEqual(200 - 2);
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('forwards a half-close after the data and closes the client when the server goes away', async () => {
    // A server that answers once the client has finished sending, then closes.
    const server = net.createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => socket.end(`got ${Buffer.concat(chunks).length}`));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = await startDelayProxy({
      targetHost: '127.0.0.1',
      targetPort: (server.address() as net.AddressInfo).port,
      rttMs: 30,
    });
    try {
      const socket = await connect(proxy);
      const text = new Promise<string>((resolve) => {
        let body = '';
        socket.on('data', (chunk: Buffer) => (body += chunk.toString()));
        socket.on('close', () => resolve(body));
      });
      socket.end(Buffer.alloc(12_345));
      expect(await text).toBe('got 12345');
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('closes the client when the target refuses the connection', async () => {
    const unused = net.createServer();
    await new Promise<void>((resolve) => unused.listen(0, '127.0.0.1', resolve));
    const deadPort = (unused.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => unused.close(() => resolve()));
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: deadPort, rttMs: 5 });
    try {
      const socket = await connect(proxy);
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.on('close', () => resolve()));
      expect(proxy.stats().connections).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('sends new connections to the new target after retarget(), keeping open ones', async () => {
    const other = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', () => socket.write('other'));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, rttMs: 5 });
    try {
      const first = await connect(proxy);
      let reply = readExactly(first, 4);
      first.write('echo');
      expect((await reply).bytes.toString()).toBe('echo');
      proxy.retarget((other.address() as net.AddressInfo).port);
      const second = await connect(proxy);
      reply = readExactly(second, 5);
      second.write('hello');
      expect((await reply).bytes.toString()).toBe('other');
      reply = readExactly(first, 4);
      first.write('same');
      expect((await reply).bytes.toString()).toBe('same');
      first.destroy();
      second.destroy();
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('rejects nonsensical settings', async () => {
    await expect(startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, rttMs: -1 })).rejects.toThrow(RangeError);
    await expect(
      startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, rttMs: 1, bandwidthBytesPerSecond: 0 }),
    ).rejects.toThrow(RangeError);
  });
});
