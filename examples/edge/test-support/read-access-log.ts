/** One request as Caddy's JSON access log records it. */
export interface AccessLogEntry {
  /** `HTTP/3.0`, `HTTP/2.0`, `HTTP/1.1`. */
  proto: string;
  method: string;
  uri: string;
  status: number;
  /** Request headers, names lower-cased, values joined with `, `. */
  headers: Record<string, string>;
  /** Response headers, likewise. */
  responseHeaders: Record<string, string>;
  /** When the request arrived (ms since the epoch): the log line's time less the request's duration. */
  receivedAt: number;
}

const lower = (headers: Record<string, string[]> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, values]) => [name.toLowerCase(), values.join(', ')]));

/** The requests in Caddy's log output (JSON lines from its `log` directive); other lines are ignored. */
export function readAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"logger":"http.log.access')) continue;
    let record: { ts?: number; duration?: number; request?: { proto?: string; method?: string; uri?: string; headers?: Record<string, string[]> }; status?: number; resp_headers?: Record<string, string[]> };
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    entries.push({
      proto: record.request?.proto ?? '',
      method: record.request?.method ?? '',
      uri: record.request?.uri ?? '',
      status: record.status ?? 0,
      headers: lower(record.request?.headers),
      responseHeaders: lower(record.resp_headers),
      receivedAt: ((record.ts ?? 0) - (record.duration ?? 0)) * 1000,
    });
  }
  return entries;
}
