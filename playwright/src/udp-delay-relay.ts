import { createSocket, type Socket } from 'node:dgram';

/** Options of {@link startUdpDelayRelay}. */
export interface UdpDelayRelayOptions {
  /** Where datagrams go (a QUIC server: Caddy's HTTP/3 port). */
  targetHost: string;
  targetPort: number;
  /** Emulated round-trip time in ms: every datagram is held rttMs/2 in each direction. */
  rttMs: number;
  /** Listening address; default 127.0.0.1, port 0 (ephemeral). */
  host?: string;
  port?: number;
}

/** Datagram counters of a {@link UdpDelayRelay}, since start or the last reset. */
export interface UdpDelayRelayStats {
  /** Client flows (address and port) seen: a new QUIC connection normally opens a new one. */
  flows: number;
  datagramsUp: number;
  datagramsDown: number;
  bytesUp: number;
  bytesDown: number;
  /** Client datagrams starting with a QUIC v1 long-header Initial packet (a handshake's first flight or its retransmission). */
  initialsUp: number;
  /** Client datagrams holding a QUIC v1 0-RTT packet: the request left with the first flight. */
  zeroRttUp: number;
  /**
   * Flows whose client sent an Initial again, after a pause, before the server's handshake (a Handshake
   * packet) reached it: part of its first flight was resent because a timeout fired. A server that saw only
   * half of a two-datagram ClientHello answers with a bare ACK, so a first answer alone does not end the wait.
   */
  initialsResent: number;
  /** Datagrams dropped on purpose ({@link UdpDelayRelay.dropping}). */
  dropped: number;
  /** Wall-clock time (Date.now()) the first client datagram arrived, 0 before any: lines the counters up with a server's log. */
  firstUpAt: number;
  /**
   * What the server's first datagram since the reset was: a QUIC `initial` (the handshake goes on), `retry`
   * (address validation: one more round trip), `version-negotiation` (the client's version refused: one
   * more), `other`, or '' before any. Tells an extra round trip's cause.
   */
  firstAnswer: '' | 'initial' | 'retry' | 'version-negotiation' | 'other';
}

/** A running UDP round-trip emulator (see {@link startUdpDelayRelay}). */
export interface UdpDelayRelay {
  readonly host: string;
  readonly port: number;
  /** The emulated round-trip time; can be changed between page loads. */
  rttMs: number;
  /** While true, every datagram in both directions is dropped (a dead path). */
  dropping: boolean;
  /** Send new flows to another server; open flows stay where they were. */
  retarget(port: number, host?: string): void;
  /** A copy of the counters. */
  stats(): UdpDelayRelayStats;
  resetStats(): void;
  /** Forget every flow: later datagrams of an old flow start a new upstream flow (the server sees a new address). */
  dropFlows(): void;
  close(): Promise<void>;
}

interface Flow {
  upstream: Socket;
  clientAddress: string;
  clientPort: number;
  targetHost: string;
  targetPort: number;
  /** A datagram from the server holding a Handshake packet has been delivered to the client. */
  handshakeSeen: boolean;
  /** When the client's first datagram arrived (performance.now()). */
  firstAt: number;
  /** A resend was counted for this flow. */
  resent: boolean;
}

// Datagrams of one flight leave within this of each other.
const FIRST_FLIGHT_SPREAD_MS = 50;

// QUIC v1 long header (RFC 9000 §17.2): top bit set, version 1, type in bits 4-5.
const QUIC_V1 = 0x00000001;
function longHeaderType(datagram: Buffer): number | undefined {
  if (datagram.length < 5 || (datagram[0]! & 0x80) === 0 || datagram.readUInt32BE(1) !== QUIC_V1) return undefined;
  return (datagram[0]! & 0x30) >> 4;
}

function answerKind(datagram: Buffer): UdpDelayRelayStats['firstAnswer'] {
  // Version Negotiation: a long header with version 0 (RFC 9000 §17.2.1).
  if (datagram.length >= 5 && (datagram[0]! & 0x80) !== 0 && datagram.readUInt32BE(1) === 0) return 'version-negotiation';
  const type = longHeaderType(datagram);
  return type === 0 ? 'initial' : type === 3 ? 'retry' : 'other';
}

/** Whether a datagram (possibly several coalesced QUIC packets) holds a long-header packet of `wanted` type (1 0-RTT, 2 Handshake). */
function holdsPacket(datagram: Buffer, wanted: number): boolean {
  let offset = 0;
  // Walk coalesced long-header packets: Initial (0) carries a token, all carry a varint length.
  while (offset < datagram.length) {
    const packet = datagram.subarray(offset);
    const type = longHeaderType(packet);
    if (type === undefined) return false;
    if (type === wanted) return true;
    let at = 5;
    const dcid = packet[at]!;
    at += 1 + dcid;
    const scid = packet[at]!;
    at += 1 + scid;
    if (type === 0) {
      const token = readVarint(packet, at);
      if (!token) return false;
      at = token.next + token.value;
    }
    if (type === 3) return false;
    const length = readVarint(packet, at);
    if (!length) return false;
    offset += length.next + length.value;
  }
  return false;
}

function readVarint(buffer: Buffer, at: number): { value: number; next: number } | undefined {
  if (at >= buffer.length) return undefined;
  const size = 1 << (buffer[at]! >> 6);
  if (at + size > buffer.length) return undefined;
  let value = buffer[at]! & 0x3f;
  for (let i = 1; i < size; i++) value = value * 256 + buffer[at + i]!;
  return { value, next: at + size };
}

/**
 * A UDP relay that holds every datagram rttMs/2 in each direction, the
 * counterpart of the TCP delay proxy for QUIC (HTTP/3). Each client address
 * gets its own upstream socket, so replies find their way back. It counts
 * datagrams and bytes, and recognises QUIC Initial and 0-RTT packets so a
 * measurement can say whether a visit's request left with its first flight.
 */
export async function startUdpDelayRelay(options: UdpDelayRelayOptions): Promise<UdpDelayRelay> {
  const host = options.host ?? '127.0.0.1';
  const listener = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const flows = new Map<string, Flow>();
  let target = { host: options.targetHost, port: options.targetPort };
  const zero = (): UdpDelayRelayStats => ({ flows: 0, datagramsUp: 0, datagramsDown: 0, bytesUp: 0, bytesDown: 0, initialsUp: 0, zeroRttUp: 0, initialsResent: 0, dropped: 0, firstUpAt: 0, firstAnswer: '' });
  let stats = zero();
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();

  // Same delay for every datagram of a direction keeps their order.
  const later = (send: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      try {
        send();
      } catch {
        // The flow was dropped while this datagram waited: lost, as on a real path.
      }
    }, relay.rttMs / 2);
    timers.add(timer);
  };

  const flowFor = (address: string, port: number): Flow => {
    const key = `${address}|${port}`;
    let flow = flows.get(key);
    if (flow) return flow;
    const upstream = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    flow = { upstream, clientAddress: address, clientPort: port, targetHost: target.host, targetPort: target.port, handshakeSeen: false, firstAt: performance.now(), resent: false };
    const current = flow;
    upstream.on('message', (datagram) => {
      if (relay.dropping) {
        stats.dropped++;
        return;
      }
      if (stats.datagramsDown === 0) stats.firstAnswer = answerKind(datagram);
      stats.datagramsDown++;
      stats.bytesDown += datagram.length;
      const handshake = holdsPacket(datagram, 2);
      later(() => {
        if (handshake) current.handshakeSeen = true;
        listener.send(datagram, current.clientPort, current.clientAddress);
      });
    });
    upstream.on('error', () => undefined);
    flows.set(key, flow);
    stats.flows++;
    return flow;
  };

  listener.on('message', (datagram, from) => {
    if (relay.dropping) {
      stats.dropped++;
      return;
    }
    const flow = flowFor(from.address, from.port);
    if (stats.datagramsUp === 0) stats.firstUpAt = Date.now();
    stats.datagramsUp++;
    stats.bytesUp += datagram.length;
    if (longHeaderType(datagram) === 0) {
      stats.initialsUp++;
      // A first flight leaves back to back (a large ClientHello spans two Initial datagrams);
      // an Initial after a pause, before the server's handshake arrived, is the loss timer resending it.
      if (!flow.handshakeSeen && !flow.resent && performance.now() - flow.firstAt > FIRST_FLIGHT_SPREAD_MS) {
        flow.resent = true;
        stats.initialsResent++;
      }
    }
    if (holdsPacket(datagram, 1)) stats.zeroRttUp++;
    later(() => flow.upstream.send(datagram, flow.targetPort, flow.targetHost));
  });
  listener.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind(options.port ?? 0, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });

  const dropFlows = (): void => {
    for (const flow of flows.values()) flow.upstream.close();
    flows.clear();
  };

  const relay: UdpDelayRelay = {
    host,
    port: listener.address().port,
    rttMs: options.rttMs,
    dropping: false,
    retarget(port, newHost = target.host) {
      target = { host: newHost, port };
    },
    stats: () => ({ ...stats }),
    resetStats() {
      stats = zero();
    },
    dropFlows,
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      dropFlows();
      return new Promise((resolve) => listener.close(() => resolve()));
    },
  };
  return relay;
}
