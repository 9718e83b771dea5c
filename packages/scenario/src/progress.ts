import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on stderr, only for a terminal and only for runs long enough to need one. */
export interface Progress {
  tick(): void;
  stop(): void;
}

export function createProgress(total: number, opts: { enabled: boolean; minimum?: number }): Progress {
  const stream = process.stderr;
  if (!opts.enabled || !stream.isTTY || total < (opts.minimum ?? 200)) return { tick: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: 'requests {bar} {value}/{total} ({percentage}%) eta {eta}s', stream, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
