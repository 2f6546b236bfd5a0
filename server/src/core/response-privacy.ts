/**
 * Adds names to a `Vary` value without repeating any (case-insensitive);
 * `*` already covers everything.
 */
export function mergeVary(existing: string | undefined, names: readonly string[]): string {
  const current = (existing ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (current.includes('*')) return '*';
  const seen = new Set(current.map((name) => name.toLowerCase()));
  for (const name of names) {
    if (!seen.has(name.toLowerCase())) {
      current.push(name);
      seen.add(name.toLowerCase());
    }
  }
  return current.join(', ');
}

/**
 * Makes a `Cache-Control` value private: a response built for one client's
 * digest must never be served by a shared cache to another. `public` and
 * `s-maxage` are dropped; `no-store` is already enough.
 */
export function makePrivate(existing: string | undefined): string {
  const directives = (existing ?? '')
    .split(',')
    .map((directive) => directive.trim())
    .filter((directive) => directive && !/^(public|s-maxage\s*=.*|proxy-revalidate)$/i.test(directive));
  if (directives.some((directive) => /^(private|no-store)$/i.test(directive))) return directives.join(', ');
  return ['private', ...directives].join(', ');
}
