import { LatencyHistogram } from './histogram';

export interface TrafficOptions {
  mode: 'closed' | 'open';
  /** Closed loop: requests in flight. Open loop: cap on requests in flight (beyond it, sends are counted as dropped). */
  concurrency: number;
  /** Open loop: target requests per second. */
  rate?: number;
  /** Stop after this long (ms) … */
  durationMs?: number;
  /** … or after this many requests, whichever comes first. */
  requests?: number;
  /** Unrecorded traffic before measuring. */
  warmupMs: number;
}

/** One request of the mix: how to send it and the status code it must get. */
export interface LoadCall {
  send(): Promise<number>;
  expectedCode: number;
}

/** The counts of one load window, as run and as reported. */
export interface LoadCounts {
  throughput: number;
  completed: number;
  /** gRPC errors. */
  errors: number;
  /** Replies whose status code differs from the expected one. */
  unexpected: number;
  unexpectedCodes: Record<string, number>;
  errorMessages: string[];
  /** Open loop: scheduled sends skipped because `concurrency` requests were already in flight. */
  dropped: number;
  durationMs: number;
}

export interface LoadResult extends LoadCounts {
  mode: 'closed' | 'open';
  /** Time from actually sending to the reply (service time). */
  latency: LatencyHistogram;
  /** Open loop only: time from the scheduled send to the reply (coordinated-omission corrected). */
  correctedLatency?: LatencyHistogram;
  startEpochMs: number;
  endEpochMs: number;
}

const now = () => Number(process.hrtime.bigint());

/** Run traffic against `nextCall` (called once per request; it picks the request from the mix). */
export async function runLoad(nextCall: () => LoadCall, options: TrafficOptions): Promise<LoadResult> {
  if (options.warmupMs > 0) {
    const warm = await runPhase(nextCall, { ...options, durationMs: options.warmupMs, requests: undefined });
    warm.latency.destroy();
    warm.correctedLatency?.destroy();
  }
  return runPhase(nextCall, options);
}

async function runPhase(nextCall: () => LoadCall, options: TrafficOptions): Promise<LoadResult> {
  if (options.durationMs === undefined && options.requests === undefined) {
    throw new RangeError('traffic needs a duration or a request count');
  }
  const result: LoadResult = {
    mode: options.mode,
    latency: new LatencyHistogram(),
    correctedLatency: options.mode === 'open' ? new LatencyHistogram() : undefined,
    completed: 0,
    errors: 0,
    unexpected: 0,
    unexpectedCodes: {},
    errorMessages: [],
    dropped: 0,
    durationMs: 0,
    throughput: 0,
    startEpochMs: Date.now(),
    endEpochMs: 0,
  };
  const start = now();
  const deadline = options.durationMs !== undefined ? start + options.durationMs * 1e6 : Infinity;
  const limit = options.requests ?? Infinity;
  let issued = 0;

  const fire = async (scheduledAt: number) => {
    const call = nextCall();
    const sentAt = now();
    try {
      const code = await call.send();
      const doneAt = now();
      result.latency.recordNanos(doneAt - sentAt);
      result.correctedLatency?.recordNanos(doneAt - scheduledAt);
      result.completed++;
      if (code !== call.expectedCode) {
        result.unexpected++;
        result.unexpectedCodes[code] = (result.unexpectedCodes[code] ?? 0) + 1;
      }
    } catch (error) {
      result.errors++;
      if (result.errorMessages.length < 5) result.errorMessages.push((error as Error).message);
    }
  };

  if (options.mode === 'closed') {
    const worker = async () => {
      while (issued < limit && now() < deadline) {
        issued++;
        await fire(now());
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } else {
    const rate = options.rate ?? 0;
    if (!(rate > 0)) throw new RangeError('open-loop traffic needs a rate > 0');
    const intervalNs = 1e9 / rate;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    while (issued < limit) {
      const scheduledAt = start + issued * intervalNs;
      if (scheduledAt >= deadline) break;
      const wait = (scheduledAt - now()) / 1e6;
      // Sleep on a timer, never spin: a spinning client would steal a core from the server.
      // Timers fire late by up to ~1 ms; the catch-up loop below sends what fell due meanwhile,
      // and the corrected latency counts from each request's scheduled time.
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.max(1, Math.floor(wait))));
      // Send every request whose time has come (catching up after a stall, as an open-loop client must).
      while (issued < limit && start + issued * intervalNs <= now() && start + issued * intervalNs < deadline) {
        const at = start + issued * intervalNs;
        issued++;
        if (inFlight >= options.concurrency) {
          result.dropped++;
          continue;
        }
        inFlight++;
        const p = fire(at).finally(() => {
          inFlight--;
          pending.delete(p);
        });
        pending.add(p);
      }
    }
    await Promise.all(pending);
  }
  const end = now();
  result.durationMs = (end - start) / 1e6;
  result.throughput = result.completed / (result.durationMs / 1000);
  result.endEpochMs = Date.now();
  return result;
}
