/** Options of {@link chromiumArgs}. */
export interface ChromiumArgsOptions {
  /** base64 SHA-256 hashes of certificate SPKIs to trust (a development certificate). */
  spki?: readonly string[];
  /** `--host-resolver-rules` value: how the browser's names reach the emulator. */
  hostResolverRules?: string;
}

/**
 * Flags for a measured Chromium: runs as root on a headless CI machine, no
 * QUIC (the emulator carries TCP), no background traffic in the byte
 * counters, and trust in the given certificate SPKIs.
 */
export function chromiumArgs(options: ChromiumArgsOptions = {}): string[] {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (options.spki && options.spki.length > 0) args.push(`--ignore-certificate-errors-spki-list=${options.spki.join(',')}`);
  if (options.hostResolverRules) args.push(`--host-resolver-rules=${options.hostResolverRules}`);
  return args;
}
