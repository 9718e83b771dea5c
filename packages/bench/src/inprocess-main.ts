/**
 * Child-process entry for in-process evaluation timing: `node --expose-gc inprocess-main.js` with
 * a JSON job on stdin ({shape, seed, iterations, warmup, compat}). Builds our PolicyStore from the
 * generated stream exactly as decoded off the wire, reports the RSS with that store loaded (after
 * dropping the generator's own objects and a full GC) and the evaluateCheck latency histogram.
 * A separate process keeps the harness's memory out of the RSS figure.
 */
import { CheckRequestType, ToDataplaneType } from '@alpsim/proto';
import { encodeCheckRequest } from './check-client';
import { encodeToDataplane } from './feeder';
import { LatencyHistogram } from './histogram';
import { loadEngine } from './engine';
import type { StoreShape } from './shape';
import { generateStore, type GeneratedStore } from './store-generator';

export interface InProcessJob {
  shape: StoreShape;
  seed: number;
  iterations: number;
  warmup: number;
  compat: string;
  /** Take the store from a scenario file instead of the generator. */
  scenario?: { file: string; workload?: string };
}

export interface InProcessResult {
  rules: number;
  loadMs: number;
  baselineRssBytes: number;
  rssWithStoreBytes: number;
  heapUsedWithStoreBytes: number;
  /** RSS growth from loading the store (rssWithStore − baseline). */
  storeRssBytes: number;
  latency: ReturnType<LatencyHistogram['summary']>;
  curve: ReturnType<LatencyHistogram['curve']>;
  histogram: string;
  verdictMismatches: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as InProcessJob;
  const engine = loadEngine();
  gc();
  const baselineRssBytes = process.memoryUsage().rss;

  let generated: GeneratedStore | undefined = job.scenario
    ? await (require('./scenario-store') as typeof import('./scenario-store')).scenarioStore(job.scenario.file, job.scenario.workload) : generateStore(job.shape, job.seed);
  const wire = generated.messages.map(encodeToDataplane);
  const requests = generated.requests.map((r) => ({
    request: CheckRequestType.decode(encodeCheckRequest(r.request)),
    expectedCode: r.expectedCode,
  }));
  const rules = generated.stats.rules;
  generated = undefined;
  gc();

  const loadStart = process.hrtime.bigint();
  const store = engine.newStore();
  for (const bytes of wire) engine.apply(store, ToDataplaneType.decode(bytes));
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  wire.length = 0;
  gc();
  const memory = process.memoryUsage();

  let verdictMismatches = 0;
  for (const r of requests) if (engine.check(store, r.request, job.compat) !== r.expectedCode) verdictMismatches++;
  for (let i = 0; i < job.warmup; i++) engine.check(store, requests[i % requests.length].request, job.compat);
  const histogram = new LatencyHistogram();
  for (let i = 0; i < job.iterations; i++) {
    const r = requests[i % requests.length].request;
    const t0 = process.hrtime.bigint();
    engine.check(store, r, job.compat);
    histogram.recordNanos(Number(process.hrtime.bigint() - t0));
  }
  const result: InProcessResult = {
    rules,
    loadMs,
    baselineRssBytes,
    rssWithStoreBytes: memory.rss,
    heapUsedWithStoreBytes: memory.heapUsed,
    storeRssBytes: memory.rss - baselineRssBytes,
    latency: histogram.summary(),
    curve: histogram.curve(),
    histogram: histogram.encode(),
    verdictMismatches,
  };
  // Keep the store reachable until the figures are taken.
  void store;
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`in-process benchmark: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
