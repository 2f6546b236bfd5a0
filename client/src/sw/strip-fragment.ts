/** `url` without its `#fragment`: the Cache API key and the digest key. */
export function stripFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}
