import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdpDelayRelay, type UdpDelayRelay } from './udp-delay-relay.ts';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

/** A UDP server that answers every datagram with `tag` + the datagram. */
async function echoServer(tag: string): Promise<Socket & { port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (datagram, from) => socket.send(Buffer.concat([Buffer.from(tag), datagram]), from.port, from.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  open.push({ close: () => new Promise<void>((resolve) => socket.close(() => resolve())) });
  return Object.assign(socket, { port: socket.address().port });
}

async function client(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  open.push({ close: () => new Promise<void>((resolve) => socket.close(() => resolve())) });
  return socket;
}

/** Sends `datagram` through the relay; resolves with the answer and the round-trip time, or undefined after `waitMs`. */
function ask(socket: Socket, relay: UdpDelayRelay, datagram: Buffer, waitMs = 1000): Promise<{ answer: string; ms: number } | undefined> {
  return new Promise((resolve) => {
    const started = performance.now();
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve(undefined);
    }, waitMs);
    const onMessage = (answer: Buffer): void => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve({ answer: answer.toString('latin1'), ms: performance.now() - started });
    };
    socket.on('message', onMessage);
    socket.send(datagram, relay.port, relay.host);
  });
}

/** A QUIC v1 long-header packet of `type` (0 Initial, 1 0-RTT, 2 Handshake) with an 8-byte DCID and `payload` bytes. */
function quicPacket(type: number, payload: number): Buffer {
  const head = [0xc3 | (type << 4), 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0];
  if (type === 0) head.push(0); // empty token
  head.push(0x40 | (payload >> 8), payload & 0xff);
  return Buffer.concat([Buffer.from(head), Buffer.alloc(payload, 0xaa)]);
}

describe('startUdpDelayRelay', () => {
  it('holds each datagram rttMs/2 each way, routes answers back to their client, and counts', async () => {
    const server = await echoServer('A:');
    const relay = await startUdpDelayRelay({ targetHost: '127.0.0.1', targetPort: server.port, rttMs: 120 });
    open.push(relay);
    const [one, two] = [await client(), await client()];
    const [first, second] = await Promise.all([ask(one, relay, Buffer.from('one')), ask(two, relay, Buffer.from('two'))]);
    expect(first?.answer).toBe('A:one');
    expect(second?.answer).toBe('A:two');
    expect(first!.ms).toBeGreaterThanOrEqual(115);
    expect(first!.ms).toBeLessThan(400);
    expect(relay.stats()).toMatchObject({ flows: 2, datagramsUp: 2, datagramsDown: 2, bytesUp: 6, bytesDown: 10, initialsUp: 0, zeroRttUp: 0 });
    relay.rttMs = 0;
    expect((await ask(one, relay, Buffer.from('fast')))!.ms).toBeLessThan(100);
  });

  it('drops everything while dropping, and sends new flows to a retargeted server', async () => {
    const [a, b] = [await echoServer('A:'), await echoServer('B:')];
    const relay = await startUdpDelayRelay({ targetHost: '127.0.0.1', targetPort: a.port, rttMs: 10 });
    open.push(relay);
    const socket = await client();
    expect((await ask(socket, relay, Buffer.from('w')))?.answer).toBe('A:w');
    relay.dropping = true;
    expect(await ask(socket, relay, Buffer.from('lost'), 200)).toBeUndefined();
    expect(relay.stats().dropped).toBe(1);
    relay.dropping = false;
    relay.retarget(b.port);
    // The open flow stays on A; after dropFlows the same client is a new flow, sent to B.
    expect((await ask(socket, relay, Buffer.from('x')))?.answer).toBe('A:x');
    relay.dropFlows();
    expect((await ask(socket, relay, Buffer.from('y')))?.answer).toBe('B:y');
    // Dropping flows while datagrams are held loses them, nothing more.
    relay.rttMs = 40;
    const held = ask(socket, relay, Buffer.from('z'), 150);
    await new Promise((resolve) => setTimeout(resolve, 5));
    relay.dropFlows();
    expect(await held).toBeUndefined();
    expect((await ask(socket, relay, Buffer.from('after')))?.answer).toBe('B:after');
  });

  it('recognises QUIC Initial and 0-RTT packets, also coalesced in one datagram', async () => {
    const server = await echoServer('');
    const relay = await startUdpDelayRelay({ targetHost: '127.0.0.1', targetPort: server.port, rttMs: 0 });
    open.push(relay);
    const socket = await client();
    await ask(socket, relay, quicPacket(0, 1200));
    // The echoed Handshake packet ends the first flight's wait: the next Initial is no resend.
    await ask(socket, relay, quicPacket(2, 50));
    await ask(socket, relay, Buffer.concat([quicPacket(0, 300), quicPacket(1, 200)]));
    // A short-header (1-RTT) packet and a non-QUIC datagram are neither.
    await ask(socket, relay, Buffer.from([0x43, 1, 2, 3, 4, 5, 6]));
    await ask(socket, relay, Buffer.from('hello'));
    // The echo answers the first Initial with itself: the first answer reads as an Initial.
    expect(relay.stats()).toMatchObject({ datagramsUp: 5, initialsUp: 2, zeroRttUp: 1, initialsResent: 0, firstAnswer: 'initial' });
    relay.resetStats();
    await ask(socket, relay, Buffer.from([0x80, 0, 0, 0, 0, 8]));
    expect(relay.stats().firstAnswer).toBe('version-negotiation');
    relay.resetStats();
    await ask(socket, relay, quicPacket(3, 20));
    expect(relay.stats().firstAnswer).toBe('retry');
  });

  it('counts a first flight sent again before any answer as resent', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    open.push({ close: () => new Promise<void>((resolve) => silent.close(() => resolve())) });
    const relay = await startUdpDelayRelay({ targetHost: '127.0.0.1', targetPort: silent.address().port, rttMs: 0 });
    open.push(relay);
    const socket = await client();
    // Two Initial datagrams back to back are one flight (a large ClientHello); a third after a pause is a resend.
    socket.send(quicPacket(0, 1200), relay.port, relay.host);
    await ask(socket, relay, quicPacket(0, 1200), 80);
    expect(relay.stats()).toMatchObject({ initialsUp: 2, initialsResent: 0 });
    await ask(socket, relay, quicPacket(0, 1200), 10);
    expect(relay.stats()).toMatchObject({ initialsUp: 3, initialsResent: 1 });
  });

  it('counts a resend after a bare answer (half a ClientHello acknowledged), not after the server handshake', async () => {
    const server = await echoServer('');
    const relay = await startUdpDelayRelay({ targetHost: '127.0.0.1', targetPort: server.port, rttMs: 0 });
    open.push(relay);
    const [lossy, fine] = [await client(), await client()];
    // The echo answers an Initial with an Initial (no Handshake packet): the client still waits.
    await ask(lossy, relay, quicPacket(0, 1200));
    await new Promise((resolve) => setTimeout(resolve, 80));
    await ask(lossy, relay, quicPacket(0, 1200));
    expect(relay.stats().initialsResent).toBe(1);
    // An answer holding a Handshake packet (coalesced after an Initial) ends the first flight's wait.
    await ask(fine, relay, Buffer.concat([quicPacket(0, 300), quicPacket(2, 200)]));
    await new Promise((resolve) => setTimeout(resolve, 80));
    await ask(fine, relay, quicPacket(0, 100));
    expect(relay.stats()).toMatchObject({ flows: 2, initialsResent: 1 });
  });
});
