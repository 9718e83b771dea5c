import * as fs from 'node:fs';
import type { BenchResult, StoreResult } from './results';

export interface MetricComparison {
  store: string;
  metric: string;
  before: number;
  after: number;
  /** Relative change in the "worse" direction: +0.15 = 15 % worse, negative = better. */
  worseBy: number;
  regression: boolean;
}

export interface Comparison {
  threshold: number;
  metrics: MetricComparison[];
  regressions: MetricComparison[];
  /** Stores present in only one of the files. */
  unmatched: string[];
}

interface MetricDef {
  name: string;
  higherIsBetter: boolean;
  get(s: StoreResult): number | undefined;
}

const METRICS: MetricDef[] = [
  { name: 'p50 ms', higherIsBetter: false, get: (s) => s.sut?.latency.p50 },
  { name: 'p99 ms', higherIsBetter: false, get: (s) => s.sut?.latency.p99 },
  { name: 'throughput/s', higherIsBetter: true, get: (s) => s.sut?.throughput },
  { name: 'p50 / floor', higherIsBetter: false, get: (s) => s.ratios?.p50 },
  { name: 'p99 / floor', higherIsBetter: false, get: (s) => s.ratios?.p99 },
  { name: 'in-process p50 ms', higherIsBetter: false, get: (s) => s.inProcess?.latency.p50 },
  { name: 'in-process RSS', higherIsBetter: false, get: (s) => s.inProcess?.rssWithStoreBytes },
  { name: 'churn propagation p99 ms', higherIsBetter: false, get: (s) => s.churn?.propagation.p99 },
  { name: 'full path added p50 ms', higherIsBetter: false, get: (s) => s.fullPath?.addedP50Ms },
];

/** Parse "10%", "10" (percent) or "0.1" (fraction) into a fraction. */
export function parseThreshold(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(text);
  if (!m) throw Object.assign(new Error(`--threshold: expected a percentage such as 10%, got '${text}'`), { userError: true });
  const n = Number(m[1]);
  return m[2] || n >= 1 ? n / 100 : n;
}

export function readResult(file: string): BenchResult {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw Object.assign(new Error(`${file}: cannot read a bench result (${reason})`), { userError: true });
  }
  if ((data as BenchResult)?.format !== 'alpsim-bench/1' || !Array.isArray((data as BenchResult).stores)) {
    throw Object.assign(new Error(`${file}: not an alpsim bench result (expected format "alpsim-bench/1")`), { userError: true });
  }
  return data as BenchResult;
}

export function compareResults(before: BenchResult, after: BenchResult, threshold: number): Comparison {
  const metrics: MetricComparison[] = [];
  const afterByName = new Map(after.stores.map((s) => [s.name, s]));
  const unmatched = [
    ...before.stores.filter((s) => !afterByName.has(s.name)).map((s) => s.name),
    ...after.stores.filter((s) => !before.stores.some((b) => b.name === s.name)).map((s) => s.name),
  ];
  for (const b of before.stores) {
    const a = afterByName.get(b.name);
    if (!a) continue;
    for (const def of METRICS) {
      const vb = def.get(b);
      const va = def.get(a);
      if (vb === undefined || va === undefined || !(vb > 0)) continue;
      const worseBy = def.higherIsBetter ? (vb - va) / vb : (va - vb) / vb;
      metrics.push({ store: b.name, metric: def.name, before: vb, after: va, worseBy, regression: worseBy > threshold });
    }
  }
  return { threshold, metrics, regressions: metrics.filter((m) => m.regression), unmatched };
}

export function formatComparison(c: Comparison): string {
  const fmt = (v: number) => (Math.abs(v) >= 1e6 ? `${(v / 1048576).toFixed(1)}M` : +v.toPrecision(4) + '');
  const lines = [`threshold: ${(c.threshold * 100).toFixed(1)} % worse`];
  for (const m of c.metrics) {
    const change = `${m.worseBy >= 0 ? '+' : ''}${(m.worseBy * 100).toFixed(1)} % ${m.worseBy >= 0 ? 'worse' : 'better'}`;
    lines.push(`${m.regression ? 'REGRESSION' : 'ok        '}  ${m.store} / ${m.metric}: ${fmt(m.before)} → ${fmt(m.after)} (${change})`);
  }
  for (const name of c.unmatched) lines.push(`note: store '${name}' is only in one of the files`);
  lines.push(c.regressions.length ? `${c.regressions.length} regression(s)` : 'no regression');
  return lines.join('\n');
}
