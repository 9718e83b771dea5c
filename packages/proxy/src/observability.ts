// Counters (Envoy stat names) and the log sink: one access-log line per request/connection, plus
// connection-level events (TLS rejections, config notes).

/** Sidecar-wide counters; each increment is also kept per listener as `<listener>.<stat>`. */
export class Counters {
  private readonly values = new Map<string, number>();

  inc(stat: string, listener?: string, by = 1): void {
    this.values.set(stat, (this.values.get(stat) ?? 0) + by);
    if (listener) {
      const key = `${listener}.${stat}`;
      this.values.set(key, (this.values.get(key) ?? 0) + by);
    }
  }

  /** Current value (0 when never incremented). `get('ext_authz.ok')` or `get('ext_authz.ok', 'http_10.0.0.1_80')`. */
  get(stat: string, listener?: string): number {
    return this.values.get(listener ? `${listener}.${stat}` : stat) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export type AuthzVerdict = 'ok' | 'denied' | 'error' | 'failure_mode_allowed' | 'unchecked' | 'skipped_no_route';

export interface AccessLogRecord {
  kind: 'access';
  time: Date;
  listener: string;
  protocol: string;
  method?: string;
  path?: string;
  authority?: string;
  status?: number;
  /** Envoy response flags: UAEX (denied by ext_authz), UF (upstream connect failure), NR (no route), '-' */
  responseFlags: string;
  verdict: AuthzVerdict;
  sourceAddress: string;
  sourcePrincipal: string;
  upstreamCluster?: string;
  durationMs: number;
  requestId?: string;
  bytesSent?: number;
}

export interface EventRecord {
  kind: 'tls' | 'config' | 'authz' | 'upstream';
  time: Date;
  listener?: string;
  message: string;
}

export type LogRecord = AccessLogRecord | EventRecord;
export type Logger = (line: string, record: LogRecord) => void;

export function formatAccessLog(r: AccessLogRecord): string {
  const request = r.method ? `"${r.method} ${r.path} ${r.protocol}"` : `"TCP"`;
  return `[${r.time.toISOString()}] ${r.listener} ${request} ${r.status ?? '-'} ${r.responseFlags} ` +
    `authz=${r.verdict} src=${r.sourceAddress} principal=${r.sourcePrincipal || '-'} ` +
    `upstream=${r.upstreamCluster ?? '-'} duration=${r.durationMs}ms` +
    (r.requestId ? ` request_id=${r.requestId}` : '');
}

export function formatEvent(r: EventRecord): string {
  return `[${r.time.toISOString()}] ${r.listener ?? 'sidecar'} ${r.kind}: ${r.message}`;
}

/** Fan-out to the user's logger and a bounded in-memory buffer (for assertions and `alpsim` output). */
export class LogSink {
  readonly recent: LogRecord[] = [];
  constructor(private readonly logger: Logger | undefined, private readonly keep = 1000) {}

  access(record: Omit<AccessLogRecord, 'kind' | 'time'>): void {
    this.emit({ kind: 'access', time: new Date(), ...record });
  }

  event(kind: EventRecord['kind'], message: string, listener?: string): void {
    this.emit({ kind, time: new Date(), listener, message });
  }

  private emit(record: LogRecord): void {
    this.recent.push(record);
    if (this.recent.length > this.keep) this.recent.shift();
    if (this.logger) this.logger(record.kind === 'access' ? formatAccessLog(record) : formatEvent(record), record);
  }

  /** Lines of the buffered records, formatted as the logger saw them. */
  lines(): string[] {
    return this.recent.map((r) => (r.kind === 'access' ? formatAccessLog(r) : formatEvent(r)));
  }
}
