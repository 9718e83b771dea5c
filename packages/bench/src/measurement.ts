import type { LoadResult } from './load';
import type { ProcessSample } from './process-stats';
import type { LoadMeasurement } from './results';

export interface MeasurementExtras {
  /** Keep the open-loop corrected histogram (for merging slices later). */
  correctedHistogram?: boolean;
  /** Record the measured window (for GC pauses over interleaved windows). */
  window?: boolean;
}

/** One load window as a result: the client's latency and counts, the server's CPU over the window and its memory after it. */
export function measurementOf(raw: LoadResult, cpuMs: number, after: ProcessSample, extras: MeasurementExtras = {}): LoadMeasurement {
  return {
    latency: raw.latency.summary(),
    curve: raw.latency.curve(),
    histogram: raw.latency.encode(),
    correctedLatency: raw.correctedLatency?.summary(),
    correctedCurve: raw.correctedLatency?.curve(),
    ...(extras.correctedHistogram ? { correctedHistogram: raw.correctedLatency?.encode() } : {}),
    throughput: raw.throughput,
    completed: raw.completed,
    errors: raw.errors,
    unexpected: raw.unexpected,
    unexpectedCodes: raw.unexpectedCodes,
    errorMessages: raw.errorMessages,
    dropped: raw.dropped,
    durationMs: raw.durationMs,
    cpuMs,
    cpuUsPerCheck: raw.completed > 0 ? (cpuMs * 1000) / raw.completed : 0,
    rssBytes: after.rssBytes,
    peakRssBytes: after.peakRssBytes,
    ...(extras.window ? { windows: [[raw.startEpochMs, raw.endEpochMs]] as [number, number][] } : {}),
  };
}
