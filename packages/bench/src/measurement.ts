import { LatencyHistogram } from './histogram';
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

/** One summary of several slices (merged histograms, summed counts and CPU). */
export function mergeMeasurements(parts: LoadMeasurement[]): LoadMeasurement | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  const merged = new LatencyHistogram();
  for (const p of parts) merged.addEncoded(p.histogram);
  let corrected: LatencyHistogram | undefined;
  for (const p of parts) {
    if (!p.correctedHistogram) continue;
    corrected ??= new LatencyHistogram();
    corrected.addEncoded(p.correctedHistogram);
  }
  const sum = (f: (m: LoadMeasurement) => number) => parts.reduce((s, m) => s + f(m), 0);
  const completed = sum((m) => m.completed);
  const durationMs = sum((m) => m.durationMs);
  const cpuMs = sum((m) => m.cpuMs);
  const gcParts = parts.map((m) => m.gc).filter((g): g is NonNullable<typeof g> => g !== undefined);
  const result: LoadMeasurement = {
    latency: merged.summary(),
    curve: merged.curve(),
    histogram: merged.encode(),
    correctedLatency: corrected?.summary(),
    correctedCurve: corrected?.curve(),
    correctedHistogram: corrected?.encode(),
    windows: parts.flatMap((m) => m.windows ?? []),
    throughput: completed / (durationMs / 1000),
    completed,
    errors: sum((m) => m.errors),
    unexpected: sum((m) => m.unexpected),
    unexpectedCodes: {},
    errorMessages: parts.flatMap((m) => m.errorMessages).slice(0, 5),
    dropped: sum((m) => m.dropped),
    durationMs,
    cpuMs,
    cpuUsPerCheck: completed > 0 ? (cpuMs * 1000) / completed : 0,
    rssBytes: Math.max(...parts.map((m) => m.rssBytes)),
    peakRssBytes: Math.max(...parts.map((m) => m.peakRssBytes)),
    gc: gcParts.length
      ? {
          count: gcParts.reduce((s, g) => s + g.count, 0),
          totalMs: gcParts.reduce((s, g) => s + g.totalMs, 0),
          maxMs: Math.max(...gcParts.map((g) => g.maxMs)),
          byKind: {},
        }
      : undefined,
  };
  merged.destroy();
  corrected?.destroy();
  return result;
}
