/** `promise`'s value, or undefined once `timeoutMs` have passed first (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)))]);
  } finally {
    clearTimeout(timer);
  }
}
