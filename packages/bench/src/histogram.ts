import * as hdr from 'hdr-histogram-js';

/** Percentiles reported everywhere, in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Points of the percentile curve, for plots: [percentile, milliseconds]. */
export type PercentileCurve = [number, number][];

const NS_PER_MS = 1e6;

/**
 * An HDR histogram of latencies recorded in nanoseconds (3 significant digits, up to one hour),
 * so both sub-microsecond in-process evaluations and multi-second stalls keep their precision.
 */
export class LatencyHistogram {
  private readonly histogram: hdr.Histogram;

  constructor() {
    this.histogram = hdr.build({
      bitBucketSize: 64,
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000_000,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    });
  }

  recordNanos(nanos: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(nanos)));
  }

  recordMillis(ms: number): void {
    this.recordNanos(ms * NS_PER_MS);
  }

  /**
   * Record a latency measured by a closed-loop client that waited for the previous reply before
   * sending: fills in the samples that a stalled server suppressed (coordinated omission).
   */
  recordNanosCorrected(nanos: number, expectedIntervalNanos: number): void {
    this.histogram.recordValueWithExpectedInterval(Math.max(1, Math.round(nanos)), Math.max(1, Math.round(expectedIntervalNanos)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Value at `percentile` (0..100) in milliseconds. */
  percentileMillis(percentile: number): number {
    return this.histogram.getValueAtPercentile(percentile) / NS_PER_MS;
  }

  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  /** Add a histogram previously saved with encode(). */
  addEncoded(encoded: string): void {
    const decoded = hdr.decodeFromCompressedBase64(encoded, 64, false);
    this.histogram.add(decoded);
    decoded.destroy();
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    return {
      count: h.totalCount,
      min: h.minNonZeroValue / NS_PER_MS,
      mean: h.mean / NS_PER_MS,
      p50: h.getValueAtPercentile(50) / NS_PER_MS,
      p90: h.getValueAtPercentile(90) / NS_PER_MS,
      p99: h.getValueAtPercentile(99) / NS_PER_MS,
      p999: h.getValueAtPercentile(99.9) / NS_PER_MS,
      max: h.maxValue / NS_PER_MS,
    };
  }

  /** The percentile curve at 0, 10, …, 90, 99, 99.9, 99.99, 100 style log-spaced points. */
  curve(): PercentileCurve {
    if (this.count === 0) return [];
    const points: PercentileCurve = [];
    for (const p of [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100]) {
      points.push([p, this.histogram.getValueAtPercentile(p) / NS_PER_MS]);
    }
    return points;
  }

  /** Compact base64 form (kept in the JSON result so percentiles can be recomputed later). */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

/**
 * Exact nearest-rank percentile of raw samples (used to cross-check the histogram and for small
 * sample sets such as propagation delays): the smallest value with at least p % of samples ≤ it.
 */
export function nearestRankPercentile(sortedAscending: readonly number[], percentile: number): number {
  if (sortedAscending.length === 0) return 0;
  if (percentile <= 0) return sortedAscending[0];
  const rank = Math.ceil((percentile / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1];
}

export function summarizeSamples(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: sorted.length,
    min: sorted[0],
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    p50: nearestRankPercentile(sorted, 50),
    p90: nearestRankPercentile(sorted, 90),
    p99: nearestRankPercentile(sorted, 99),
    p999: nearestRankPercentile(sorted, 99.9),
    max: sorted[sorted.length - 1],
  };
}
