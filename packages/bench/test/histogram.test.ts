import t from 'tap';
import { LatencyHistogram, nearestRankPercentile, summarizeSamples } from '../src/index';

t.test('HDR percentiles match hand-computed values within the histogram precision', async (t) => {
  const h = new LatencyHistogram();
  // 1 ms .. 100 ms, one sample each: p50 = 50 ms, p90 = 90 ms, p99 = 99 ms, p99.9 = 100 ms, max = 100 ms.
  for (let ms = 1; ms <= 100; ms++) h.recordMillis(ms);
  const s = h.summary();
  const near = (actual: number, expected: number) => Math.abs(actual - expected) / expected <= 0.001;
  t.equal(s.count, 100);
  t.ok(near(s.p50, 50), `p50 ${s.p50}`);
  t.ok(near(s.p90, 90), `p90 ${s.p90}`);
  t.ok(near(s.p99, 99), `p99 ${s.p99}`);
  t.ok(near(s.p999, 100), `p99.9 ${s.p999}`);
  t.ok(near(s.max, 100), `max ${s.max}`);
  t.ok(near(s.min, 1), `min ${s.min}`);
  t.ok(near(s.mean, 50.5), `mean ${s.mean}`);
  h.destroy();
});

t.test('sub-microsecond and multi-second values keep 3 significant digits', async (t) => {
  const h = new LatencyHistogram();
  h.recordNanos(750); // 0.75 µs
  h.recordNanos(2_500_000_000); // 2.5 s
  t.ok(Math.abs(h.percentileMillis(0) - 0.00075) < 0.000001);
  t.ok(Math.abs(h.percentileMillis(100) - 2500) / 2500 < 0.001);
  h.destroy();
});

t.test('skewed distribution: 990 fast, 10 slow', async (t) => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 990; i++) h.recordMillis(0.2);
  for (let i = 0; i < 10; i++) h.recordMillis(50);
  const s = h.summary();
  // Nearest rank: p99 is the 990th value (0.2 ms); p99.9 the 999th (50 ms).
  t.ok(Math.abs(s.p99 - 0.2) < 0.001, `p99 ${s.p99}`);
  t.ok(Math.abs(s.p999 - 50) < 0.05, `p99.9 ${s.p999}`);
  t.ok(Math.abs(s.mean - (990 * 0.2 + 10 * 50) / 1000) < 0.01, `mean ${s.mean}`);
  h.destroy();
});

t.test('coordinated-omission correction back-fills the stalled samples', async (t) => {
  const h = new LatencyHistogram();
  // One 100 ms stall in a stream expected every 10 ms: the corrected record adds 90, 80, …, 10 ms.
  h.recordNanosCorrected(100e6, 10e6);
  t.equal(h.count, 10);
  t.ok(Math.abs(h.summary().p50 - 50) < 0.05);
  h.destroy();
});

t.test('exact nearest-rank percentiles', async (t) => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  t.equal(nearestRankPercentile(sorted, 50), 5);
  t.equal(nearestRankPercentile(sorted, 90), 9);
  t.equal(nearestRankPercentile(sorted, 99), 10);
  t.equal(nearestRankPercentile(sorted, 0), 1);
  t.equal(nearestRankPercentile(sorted, 100), 10);
  t.equal(nearestRankPercentile([], 50), 0);
  const s = summarizeSamples([3, 1, 2, 4]);
  t.same([s.min, s.p50, s.max, s.mean], [1, 2, 4, 2.5]);
});
