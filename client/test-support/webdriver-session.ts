/** A WebDriver error answered by the driver (`error` and `message` of the W3C error body). */
export class WebDriverError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`WebDriver ${code}: ${message}`);
    this.name = 'WebDriverError';
  }
}

/**
 * A W3C WebDriver session over plain HTTP (what WebKitWebDriver speaks; it
 * has no BiDi): just the commands the tests use.
 */
export class WebDriverSession {
  private constructor(
    private readonly driverUrl: string,
    readonly id: string,
  ) {}

  /** Opens a session on the driver at `driverUrl` (`http://127.0.0.1:P`) with `capabilities` as alwaysMatch. */
  static async create(driverUrl: string, capabilities: Record<string, unknown>): Promise<WebDriverSession> {
    const value = await command<{ sessionId: string }>(driverUrl, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new WebDriverSession(driverUrl, value.sessionId);
  }

  /** Navigates the current window and waits for the load (the driver's page load strategy). */
  async navigate(url: string): Promise<void> {
    await this.send('POST', '/url', { url });
  }

  /** The current URL. */
  url(): Promise<string> {
    return this.send('GET', '/url');
  }

  /** Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value. Promises are awaited. */
  execute<T>(script: string, args: readonly unknown[] = []): Promise<T> {
    return this.send('POST', '/execute/sync', { script, args });
  }

  /** Ends the session (the browser quits). Never rejects. */
  async close(): Promise<void> {
    await this.send('DELETE', '').catch(() => undefined);
  }

  private send<T>(method: string, path: string, body?: unknown): Promise<T> {
    return command<T>(this.driverUrl, method, `/session/${this.id}${path}`, body);
  }
}

async function command<T>(driverUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(driverUrl + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const payload = (await response.json()) as { value: T | { error: string; message: string } };
  if (!response.ok) {
    const error = payload.value as { error?: string; message?: string };
    throw new WebDriverError(error?.error ?? String(response.status), error?.message ?? '');
  }
  return payload.value as T;
}
