import path from 'node:path';
import { ensureDevCertificate, startServer, type RunningServer } from '@cache-digest/server';
import { startDelayProxy, startUdpDelayRelay, type DelayProxy, type UdpDelayRelay } from '@cache-digest/playwright';
import { startCaddy, type RunningCaddy } from '../../../examples/edge/start-caddy.ts';
import type { BuiltSite } from '../harness/build-demo-site.ts';
import { warmUp } from '../harness/warm-up.ts';

/** Options of {@link startEdgeStack}. */
export interface EdgeStackOptions {
  /** The builds the kit can serve, by name (`v1`, `deploy-js`, …). */
  sites: Record<string, BuiltSite>;
  /** Emulated round-trip time between the browser and the edge. */
  rttMs: number;
  /** Scratch folder: certificates, Caddy's state. */
  workDir: string;
}

/** Caddy in front of the kit, reached over QUIC through the UDP relay and over TCP through the delay proxy. */
export interface EdgeStack {
  /** `https://localhost:<relay>/`: HTTP/3 (QUIC) to Caddy, RTT emulated per datagram. */
  readonly h3Url: string;
  /** `https://localhost:<proxy>/`: HTTP/2 over TCP to the same Caddy, RTT emulated per chunk. */
  readonly h2Url: string;
  readonly spki: string;
  readonly relay: UdpDelayRelay;
  readonly proxy: DelayProxy;
  readonly caddy: RunningCaddy;
  /** Points Caddy at the kit serving `site` (a deploy): its upstream connections are closed so the next request goes there. */
  serve(site: string): void;
  /** Bytes and datagrams through both emulators so far: grows while anything crosses the network. */
  traffic(): number;
  close(): Promise<void>;
}

/**
 * Starts one kit per build (stream mode), a plain TCP forwarder Caddy
 * proxies to (retargeted on a deploy, so Caddy's configuration never
 * changes), Caddy with the example Caddyfile, and the two round-trip
 * emulators in front of it.
 */
export async function startEdgeStack(options: EdgeStackOptions): Promise<EdgeStack> {
  const certDir = path.join(options.workDir, 'certs');
  const certs = await ensureDevCertificate(certDir);
  const kits = new Map<string, RunningServer>();
  const started: Array<{ close(): Promise<unknown> }> = [];
  try {
    for (const [name, site] of Object.entries(options.sites)) {
      const kit = await startServer({ root: site.dir, certDir, mode: 'stream', log: false });
      started.push(kit);
      kits.set(name, kit);
      await warmUp(kit, site, { what: 'the kit' });
    }
    const first = kits.values().next().value!;
    const forwarder = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: first.port, rttMs: 0 });
    started.push(forwarder);
    const caddy = await startCaddy({ kitPort: forwarder.port, certPath: certs.certPath, keyPath: certs.keyPath, kitCaPath: certs.caPath, stateDir: path.join(options.workDir, 'caddy') });
    started.push(caddy);
    const relay = await startUdpDelayRelay({ targetHost: '127.0.0.1', targetPort: caddy.port, rttMs: options.rttMs });
    started.push(relay);
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: caddy.port, rttMs: options.rttMs });
    started.push(proxy);
    return {
      h3Url: `https://localhost:${relay.port}/`,
      h2Url: `https://localhost:${proxy.port}/`,
      spki: certs.spki,
      relay,
      proxy,
      caddy,
      serve(site) {
        const kit = kits.get(site);
        if (!kit) throw new Error(`no build named ${site}`);
        forwarder.retarget(kit.port);
        forwarder.dropConnections();
      },
      traffic() {
        const udp = relay.stats();
        const tcp = proxy.stats();
        return udp.datagramsUp + udp.datagramsDown + tcp.bytesUp + tcp.bytesDown;
      },
      close: () => closeAll(started),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

async function closeAll(things: Array<{ close(): Promise<unknown> }>): Promise<void> {
  for (const thing of things.reverse()) await thing.close().catch(() => undefined);
}
