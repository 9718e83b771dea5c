/**
 * Log lines in logrus' text format (what the Go pilot-webhook printed to stderr without a TTY):
 * time="2018-03-19T22:07:21Z" level=debug msg="Updating HTTP listener" name=http_10.1.1.1_80
 */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 };

function quoteIfNeeded(value: string): string {
  return /^[A-Za-z0-9\-._/@^+]+$/.test(value) ? value : JSON.stringify(value);
}

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function logrusLogger(minLevel: LogLevel, write: (line: string) => void): Logger {
  return {
    log(level, msg, fields = {}) {
      if (ORDER[level] < ORDER[minLevel]) return;
      const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      // logrus sorts field keys; time, level and msg come first.
      const extra = Object.keys(fields)
        .sort()
        .map((k) => {
          const v = fields[k];
          return `${k}=${quoteIfNeeded(typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v) ?? String(v))}`;
        });
      write([`time="${time}"`, `level=${level}`, `msg=${quoteIfNeeded(msg)}`, ...extra].join(' '));
    },
  };
}
