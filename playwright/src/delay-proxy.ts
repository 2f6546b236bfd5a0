import net from 'node:net';

/** Options of {@link startDelayProxy}. */
export interface DelayProxyOptions {
  /** Where the proxy forwards every connection (the real server). */
  targetHost: string;
  targetPort: number;
  /** Emulated round-trip time in ms: each chunk is held rttMs/2 in each direction, the upstream connect rttMs. */
  rttMs: number;
  /** Optional bandwidth cap in bytes per second, applied separately in each direction. */
  bandwidthBytesPerSecond?: number;
  /** Listening address; default 127.0.0.1, port 0 (ephemeral). */
  host?: string;
  port?: number;
}

/** Byte and connection counters of a {@link DelayProxy}, since start or the last reset. */
export interface DelayProxyStats {
  /** TCP connections accepted from clients. */
  connections: number;
  /** Bytes sent by clients towards the server (requests, TLS handshakes). */
  bytesUp: number;
  /** Bytes sent by the server towards clients. */
  bytesDown: number;
}

/** A running round-trip emulator (see {@link startDelayProxy}). */
export interface DelayProxy {
  readonly host: string;
  readonly port: number;
  /** The emulated round-trip time; can be changed between page loads. */
  rttMs: number;
  /** The bandwidth cap each way in bytes per second (undefined: none); can be changed between page loads. */
  bandwidthBytesPerSecond: number | undefined;
  /** Forward new connections to another server (a deploy behind the same origin); open ones stay. */
  retarget(port: number, host?: string): void;
  /** A copy of the counters. */
  stats(): DelayProxyStats;
  /** Zero the counters (open connections keep counting into the new totals). */
  resetStats(): void;
  /** Destroy every open connection (a browser's idle pool) without stopping the proxy. */
  dropConnections(): void;
  /** Stop listening and destroy every connection. */
  close(): Promise<void>;
}

// Beyond this many bytes held in one direction the sender is paused, so a
// fast server cannot make the proxy buffer without bound.
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

type QueueItem = { dueAt: number; chunk: Buffer | null /* null: end of stream */ };

/**
 * One direction of one connection: chunks leave in arrival order, each at
 * max(arrival, link free) + transmission time + rtt/2.
 */
class DelayedLink {
  private readonly queue: QueueItem[] = [];
  private timer: NodeJS.Timeout | null = null;
  private queuedBytes = 0;
  private linkFreeAt = 0;
  private sendableAt: number;
  private destination: net.Socket | null = null;

  constructor(
    private readonly source: net.Socket,
    private readonly proxy: { rttMs: number; bandwidth: number | undefined },
    sendableAt: number,
  ) {
    this.sendableAt = sendableAt;
  }

  attach(destination: net.Socket): void {
    this.destination = destination;
    this.schedule();
  }

  push(chunk: Buffer | null): void {
    const now = performance.now();
    const readyAt = Math.max(now, this.sendableAt, this.linkFreeAt);
    let sentAt = readyAt;
    if (chunk && this.proxy.bandwidth) {
      sentAt = readyAt + (chunk.length * 1000) / this.proxy.bandwidth;
      this.linkFreeAt = sentAt;
    }
    this.queue.push({ dueAt: sentAt + this.proxy.rttMs / 2, chunk });
    if (chunk) {
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > MAX_QUEUED_BYTES) this.source.pause();
    }
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.timer || !this.destination || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.dueAt - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const destination = this.destination;
    if (!destination) return;
    const now = performance.now();
    // Timers can fire up to ~1 ms early; deliver everything due by then, in order.
    while (this.queue.length > 0 && this.queue[0]!.dueAt <= now + 1) {
      const item = this.queue.shift()!;
      if (item.chunk === null) {
        destination.end();
        continue;
      }
      this.queuedBytes -= item.chunk.length;
      if (!destination.destroyed) destination.write(item.chunk);
    }
    if (this.queuedBytes <= MAX_QUEUED_BYTES / 2 && this.source.isPaused()) this.source.resume();
    this.schedule();
  }
}

/**
 * Start a TCP proxy that emulates network round trips on loopback, where the
 * kernel offers no netem: every chunk is held for half the round-trip time in
 * each direction, the upstream connect for a whole round trip (the TCP
 * handshake), with an optional bandwidth cap, and bytes are counted each way.
 */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  if (!Number.isFinite(options.rttMs) || options.rttMs < 0) throw new RangeError('rttMs must be a non-negative number');
  if (options.bandwidthBytesPerSecond !== undefined && !(options.bandwidthBytesPerSecond > 0)) {
    throw new RangeError('bandwidthBytesPerSecond must be positive');
  }
  const settings = { rttMs: options.rttMs, bandwidth: options.bandwidthBytesPerSecond };
  const target = { host: options.targetHost, port: options.targetPort };
  let counters: DelayProxyStats = { connections: 0, bytesUp: 0, bytesDown: 0 };
  const sockets = new Set<net.Socket>();

  // Half-open sockets, so a FIN travels through the delay like any byte.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    counters.connections += 1;
    client.setNoDelay(true);
    sockets.add(client);
    const acceptedAt = performance.now();
    // The client may send at once (the local accept was instant) but its
    // bytes only leave once the emulated TCP handshake (one RTT) is over.
    const up = new DelayedLink(client, settings, acceptedAt + settings.rttMs);
    let down: DelayedLink | null = null;
    let upstream: net.Socket | null = null;
    let closed = false;
    const closeBoth = (): void => {
      if (closed) return;
      closed = true;
      up.stop();
      down?.stop();
      client.destroy();
      upstream?.destroy();
      sockets.delete(client);
      if (upstream) sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      counters.bytesUp += chunk.length;
      up.push(chunk);
    });
    client.on('end', () => up.push(null));
    client.on('error', closeBoth);
    client.on('close', () => {
      // Let delayed data towards the server drain before tearing down.
      if (!upstream) closeBoth();
    });

    const connectTimer = setTimeout(() => {
      if (closed) return;
      const upstreamSocket = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
      upstream = upstreamSocket;
      sockets.add(upstreamSocket);
      upstreamSocket.setNoDelay(true);
      down = new DelayedLink(upstreamSocket, settings, 0);
      down.attach(client);
      upstreamSocket.on('connect', () => up.attach(upstreamSocket));
      upstreamSocket.on('data', (chunk: Buffer) => {
        counters.bytesDown += chunk.length;
        down!.push(chunk);
      });
      upstreamSocket.on('end', () => down!.push(null));
      upstreamSocket.on('error', closeBoth);
      upstreamSocket.on('close', () => {
        // The server closed: deliver what is in flight, then close the client.
        setTimeout(closeBoth, settings.rttMs + 50).unref();
      });
    }, settings.rttMs);
    client.on('close', () => clearTimeout(connectTimer));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;

  return {
    host: address.address,
    port: address.port,
    get rttMs() {
      return settings.rttMs;
    },
    set rttMs(value: number) {
      settings.rttMs = value;
    },
    get bandwidthBytesPerSecond() {
      return settings.bandwidth;
    },
    set bandwidthBytesPerSecond(value: number | undefined) {
      if (value !== undefined && !(value > 0)) throw new RangeError('bandwidthBytesPerSecond must be positive');
      settings.bandwidth = value;
    },
    retarget: (port: number, host?: string) => {
      target.port = port;
      if (host !== undefined) target.host = host;
    },
    stats: () => ({ ...counters }),
    resetStats: () => {
      counters = { connections: 0, bytesUp: 0, bytesDown: 0 };
    },
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}
