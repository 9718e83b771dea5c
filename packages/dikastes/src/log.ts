// A small logrus-style text logger (the real Dikastes logs with logrus): one line per entry on
// stderr, `time="..." level=info msg="..."`. --debug lowers the level to debug.
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  fatal(message: string): void;
  readonly debugEnabled: boolean;
}

export function createLogger(options: { debug?: boolean; write?: (line: string) => void } = {}): Logger {
  const min = options.debug ? ORDER.debug : ORDER.info;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, message: string) => {
    if (ORDER[level] < min) return;
    write(`time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(message)}`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warning', m),
    error: (m) => emit('error', m),
    fatal: (m) => emit('fatal', m),
    debugEnabled: min === ORDER.debug,
  };
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  debugEnabled: false,
};
