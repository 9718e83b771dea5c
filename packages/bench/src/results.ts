import type { PercentileCurve, LatencySummary } from './histogram';
import type { InProcessResult } from './inprocess-main';
import type { LoadCounts } from './load';
import type { StoreShape } from './shape';
import type { StoreStats } from './store-generator';
import type { GcSummary } from './sut';

/** One system measured under load: latency, throughput and what it cost the server process. */
export interface LoadMeasurement extends LoadCounts {
  latency: LatencySummary;
  curve: PercentileCurve;
  /** HDR histogram, compressed base64, for recomputation. */
  histogram: string;
  /** Open loop: latency from the scheduled send time (coordinated-omission corrected). */
  correctedLatency?: LatencySummary;
  correctedCurve?: PercentileCurve;
  correctedHistogram?: string;
  /** Measured windows (epoch ms); several when the load was interleaved with the floor. */
  windows?: [number, number][];
  /** CPU time (user + system) of the server's process tree during the measured window. */
  cpuMs: number;
  cpuUsPerCheck: number;
  rssBytes: number;
  peakRssBytes: number;
  gc?: GcSummary;
}

export interface Ratios {
  p50: number;
  p99: number;
  throughput: number;
  cpuPerCheck: number;
}

export interface ChurnResult {
  rate: number;
  updatesSent: number;
  /** Updates whose effect the probe observed. */
  observed: number;
  /** Updates superseded (or still unseen 1 s after the last one) before the probe saw them. */
  unobserved: number;
  /**
   * Update sent → first probe reply reflecting it (ms). Unobserved updates are included with the
   * time until they were superseded, a lower bound, so they push the tail up instead of vanishing.
   */
  propagation: LatencySummary;
  probeChecks: number;
  probeErrors: number;
  /** Round trip of the probe's own Checks (part of every propagation figure). */
  probeRoundTrip: LatencySummary;
  /** Checks of the main traffic that errored or got a wrong verdict during churn. */
  failedChecks: number;
}

export interface FullPathResult {
  keepAlive: boolean;
  /** Through the mTLS sidecar with ext_authz → Dikastes. */
  withAuthz: LoadMeasurement;
  /** The same mTLS hop without ext_authz. */
  withoutAuthz: LoadMeasurement;
  addedP50Ms: number;
  addedP99Ms: number;
}

export interface ScenarioVsBareResult {
  requests: number;
  concurrency: number;
  /** Wall time of the whole direct-mode scenario run: parse, resolve, Felix, dikastes, Checks. */
  scenarioMs: number;
  /** The scenario runner's own durationMs. */
  scenarioReportedMs: number;
  scenarioRequestsMet: number;
  /** Wall time of the same number of bare Check calls against a synced dikastes. */
  bareMs: number;
  bareErrors: number;
  ratio: number;
}

export interface StoreResult {
  name: string;
  rules: number;
  shape: StoreShape;
  stats: StoreStats;
  generateMs: number;
  /** SUT spawn → readiness true (process start + receiving and applying the whole store). */
  startupAndSyncMs: number;
  /** Requests of the pool answered differently from the verdict known by construction. */
  verdictMismatches: number;
  mismatchDetail: string[];
  sut?: LoadMeasurement;
  /** The no-op floor measured right after this store's load, same client, requests and traffic. */
  floor?: LoadMeasurement;
  ratios?: Ratios;
  churn?: ChurnResult;
  inProcess?: InProcessResult;
  fullPath?: FullPathResult;
  scenarioVsBare?: ScenarioVsBareResult;
}

export interface TargetCheck {
  id: string;
  description: string;
  measured: number;
  limit: number;
  unit: string;
  comparison: '<=' | '>=';
  pass: boolean;
  detail: string;
}

export interface BenchResult {
  format: 'alpsim-bench/1';
  profile: { name: string; description: string; file: string; path: string; seed: number; compat: string; traffic: object; churn?: object };
  startedAt: string;
  durationMs: number;
  host: { node: string; platform: string; cpus: number; cpuModel: string; totalMemoryBytes: number; loadAverageAtStart: number[]; loadAverage: number[] };
  systemUnderTest: { command: string; ours: boolean };
  /** All floor slices of the run merged (for plots); ratios use each store's own slice. */
  floor?: LoadMeasurement;
  stores: StoreResult[];
  targets: TargetCheck[];
  clinic?: { tool: string; reportDir: string };
  files: { json: string; html: string };
}
