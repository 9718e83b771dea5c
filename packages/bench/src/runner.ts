import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckClient, encodeCheckRequest, roundRobin } from './check-client';
import { ChurnProcess } from './churn-process';
import { runFailure } from './errors';
import { PolicySyncFeeder } from './feeder';
import { LatencyHistogram } from './histogram';
import type { InProcessJob, InProcessResult } from './inprocess-main';
import { type LoadCall, type LoadResult, runLoad, type TrafficOptions } from './load';
import { measurementOf, mergeMeasurements } from './measurement';
import { cpuDeltaMs } from './process-stats';
import type { BenchProfile, StoreSpec } from './profile';

// Loaded on demand so a direct-path run needs only @alpsim/proto and the SUT (the full path pulls in
// pki + proxy, scenario stores pull in scenario + calico + felix).
const lazy = {
  fullPath: () => require('./full-path') as typeof import('./full-path'),
  scenarioVsBare: () => require('./scenario-vs-bare') as typeof import('./scenario-vs-bare'),
  scenarioStore: () => require('./scenario-store') as typeof import('./scenario-store'),
};
import type { BenchResult, ChurnResult, LoadMeasurement, StoreResult } from './results';
import { generateStore, type GeneratedStore } from './store-generator';
import { type ClinicTool, type GcSummary, ManagedProcess, summarizeGc, summarizeGcWindows, sutArgv } from './sut';
import { evaluateTargets } from './targets';

export interface RunOptions {
  /** `--dikastes "<cmd>"`: another system under test (e.g. the real binary). */
  dikastesCommand?: string;
  clinic?: ClinicTool;
  resultsDir: string;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

const READY_TIMEOUT_MS = 120_000;

/** Short socket paths: Unix socket paths must stay under ~100 bytes. */
function makeRunDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'alpb-'));
}


function tailOf(proc: ManagedProcess): string {
  const tail = proc.logTail();
  return tail ? `; its last output:\n${tail}` : '';
}

async function waitUntilReady(client: CheckClient, proc: ManagedProcess, what: string, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited) throw runFailure(`${what} ${proc.describeExit()} before becoming ready${tailOf(proc)}`);
    try {
      if (await client.readiness(1000)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw runFailure(`${what} not ready after ${timeoutMs} ms${tailOf(proc)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Warm up, then measure one load window against a server process. */
async function measure(
  client: CheckClient,
  proc: ManagedProcess,
  next: () => LoadCall,
  traffic: TrafficOptions,
  during?: () => Promise<void>,
  readGc = true,
): Promise<{ measurement: LoadMeasurement; raw: LoadResult }> {
  if (traffic.warmupMs > 0) {
    const warm = await runLoad(next, { ...traffic, durationMs: traffic.warmupMs, requests: undefined, warmupMs: 0 });
    warm.latency.destroy();
    warm.correctedLatency?.destroy();
  }
  const before = proc.sample();
  const [raw] = await Promise.all([runLoad(next, { ...traffic, warmupMs: 0 }), during?.()]);
  const after = proc.sample();
  if (readGc) await new Promise((r) => setTimeout(r, 250)); // let the GC observer flush
  const cpuMs = cpuDeltaMs(before, after);
  const measurement = measurementOf(raw, cpuMs, after, { correctedHistogram: true, window: true });
  if (readGc) {
    const pauses = proc.gcPauses();
    if (pauses.length > 0) measurement.gc = summarizeGc(pauses, raw.startEpochMs, raw.endEpochMs);
  }
  raw.latency.destroy();
  raw.correctedLatency?.destroy();
  return { measurement, raw };
}

/**
 * The no-op floor server lives for the whole run; after each store it is measured with the same
 * client, the same request bytes and the same traffic, so every ratio compares two measurements
 * taken back to back on the same machine state.
 */
export class FloorSession {
  private constructor(private readonly proc: ManagedProcess, private readonly client: CheckClient) {}

  static async start(runDir: string, apiVersion: BenchProfile['apiVersion']): Promise<FloorSession> {
    const socket = path.join(runDir, 'floor.sock');
    const proc = ManagedProcess.start({
      argv: [process.execPath, path.join(__dirname, 'floor-main.js'), socket],
      cwd: runDir,
      logFile: path.join(runDir, 'floor.log'),
      gcFile: path.join(runDir, 'floor-gc.json'),
    });
    const client = new CheckClient(socket, apiVersion);
    try {
      await waitUntilReady(client, proc, 'floor server', 20_000);
    } catch (error) {
      client.close();
      await proc.stop();
      throw error;
    }
    return new FloorSession(proc, client);
  }

  async measure(requests: { encoded: Buffer }[], traffic: TrafficOptions, readGc = true): Promise<LoadMeasurement> {
    // The floor answers OK to everything: expect 0 so a wrong reply still shows up.
    const calls = requests.map((r) => ({ encoded: r.encoded, expectedCode: 0 }));
    return (await measure(this.client, this.proc, roundRobin(calls, this.client), traffic, undefined, readGc)).measurement;
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  async close(): Promise<void> {
    this.client.close();
    await this.proc.stop();
  }
}

/** GC pauses of a process inside several measured windows. */
async function gcOverWindows(proc: ManagedProcess, windows: [number, number][]): Promise<GcSummary | undefined> {
  await new Promise((r) => setTimeout(r, 250)); // let the GC observer flush
  const pauses = proc.gcPauses();
  return pauses.length === 0 ? undefined : summarizeGcWindows(pauses, windows);
}

export { mergeMeasurements } from './measurement';

export async function runInProcess(job: InProcessJob): Promise<InProcessResult> {
  const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'inprocess-main.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`in-process benchmark failed (status ${code}): ${Buffer.concat(err).toString().trim()}`);
  return JSON.parse(Buffer.concat(out).toString('utf8')) as InProcessResult;
}

async function runStore(profile: BenchProfile, spec: StoreSpec, index: number, runDir: string, options: RunOptions, floor: FloorSession | undefined): Promise<StoreResult> {
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  const store = spec.scenario ? await lazy.scenarioStore().scenarioStore(spec.scenario.file, spec.scenario.workload) : generateStore(spec.shape, profile.seed + index);
  if (spec.scenario && profile.churn) throw runFailure('churn needs a generated store (its probe policy); drop churn or the scenario store');
  const generateMs = performance.now() - t0;
  const calls = store.requests.map((r) => ({ encoded: encodeCheckRequest(r.request), expectedCode: r.expectedCode }));
  log(`[${spec.name}] ${spec.scenario ? 'loaded' : 'generated'} ${store.stats.rules} rules, ${store.stats.ipSets} IP sets (${store.stats.ipSetMembers} members) in ${generateMs.toFixed(0)} ms`);
  const result: StoreResult = {
    name: spec.name,
    rules: store.stats.rules,
    shape: spec.shape,
    stats: store.stats,
    generateMs,
    startupAndSyncMs: 0,
    verdictMismatches: 0,
    mismatchDetail: [],
  };

  if (profile.inProcess && options.dikastesCommand) {
    log(`[${spec.name}] in-process timing skipped: it measures our engine, not --dikastes`);
  } else if (profile.inProcess) {
    log(`[${spec.name}] in-process evaluation (${profile.inProcess.iterations} checks)`);
    result.inProcess = await runInProcess({ shape: spec.shape, seed: profile.seed + index, compat: profile.compat, scenario: spec.scenario, ...profile.inProcess });
  }
  if (profile.path === 'scenario') {
    result.scenarioVsBare = await lazy.scenarioVsBare().measureScenarioVsBare(profile, store, runDir, index, options);
    return result;
  }
  if (profile.path === 'full') {
    result.fullPath = await lazy.fullPath().measureFullPath(profile, store, runDir, index, options);
    return result;
  }

  const feederSocket = `felix-${index}.sock`;
  const listenSocket = `dk-${index}.sock`;
  // Under churn the feeder and the propagation probe live in a child process of their own (see
  // churn-main): this process generates the load, and its GC pauses must not land on the probe's timing.
  const churnProc = profile.churn
    ? await ChurnProcess.start(
        { shape: spec.shape, seed: profile.seed + index, feederSocket: path.join(runDir, feederSocket), sutSocket: path.join(runDir, listenSocket), apiVersion: profile.apiVersion, churn: profile.churn },
        runDir,
        path.join(runDir, `churn-${index}.log`),
      )
    : undefined;
  const feeder = churnProc ? undefined : await PolicySyncFeeder.start(path.join(runDir, feederSocket), store.messages);
  const clinicDest = options.clinic ? path.join(options.resultsDir, `clinic-${options.clinic}`) : undefined;
  if (clinicDest) fs.mkdirSync(clinicDest, { recursive: true });
  const argv = sutArgv(options.dikastesCommand, listenSocket, feederSocket, clinicDest ? { tool: options.clinic as ClinicTool, dest: clinicDest } : undefined);
  if (!options.dikastesCommand && profile.compat !== '3.28') argv.push('--compat', profile.compat);
  const spawnedAt = performance.now();
  const proc = ManagedProcess.start({
    argv,
    cwd: runDir,
    logFile: path.join(runDir, `sut-${index}.log`),
    gcFile: path.join(runDir, `sut-${index}-gc.json`),
    // clinic asks an interactive telemetry question on first run unless told not to.
    env: clinicDest ? { NO_INSIGHT: '1' } : undefined,
    processGroup: clinicDest !== undefined,
  });
  const client = new CheckClient(path.join(runDir, listenSocket), profile.apiVersion);
  try {
    await waitUntilReady(client, proc, 'system under test');
    result.startupAndSyncMs = performance.now() - spawnedAt;
    log(`[${spec.name}] system under test ready after ${result.startupAndSyncMs.toFixed(0)} ms`);
    for (const [i, r] of store.requests.entries()) {
      let code: number | string;
      try {
        code = await client.check(calls[i].encoded);
      } catch (error) {
        code = `error: ${(error as Error).message}`;
      }
      if (code !== r.expectedCode) {
        result.verdictMismatches++;
        if (result.mismatchDetail.length < 5) result.mismatchDetail.push(`${r.kind} request #${i}: expected ${r.expectedCode}, got ${code}`);
      }
    }
    if (result.verdictMismatches > 0) log(`[${spec.name}] WARNING: ${result.verdictMismatches} verdicts differ from the generated expectation`);
    let churnResult: Omit<ChurnResult, 'failedChecks'> | undefined;
    const loadMs = profile.traffic.durationMs ?? 10_000;
    const during = churnProc ? async () => void (churnResult = await churnProc.run(loadMs)) : undefined;
    log(`[${spec.name}] load: ${describeTraffic(profile.traffic)}${profile.churn ? `, churn ${profile.churn.rate}/s` : ''}`);
    const slices = profile.slices;
    if (floor && !during && slices > 1 && profile.traffic.durationMs !== undefined) {
      // Alternate SUT and floor slices so both see the same machine state (load drifts on a shared box).
      log(`[${spec.name}] interleaving ${slices} slices with the floor: no-op grpc-js ext_authz server, same client, same requests`);
      const warm = { ...profile.traffic, durationMs: profile.traffic.warmupMs, requests: undefined, warmupMs: 0 };
      if (warm.durationMs > 0) {
        (await runLoad(roundRobin(calls, client), warm)).latency.destroy();
        await floor.measure(calls, { ...warm, warmupMs: 0 }, false);
      }
      const slice = { ...profile.traffic, durationMs: profile.traffic.durationMs / slices, warmupMs: 0 };
      const sutParts: LoadMeasurement[] = [];
      const floorParts: LoadMeasurement[] = [];
      for (let k = 0; k < slices; k++) {
        sutParts.push((await measure(client, proc, roundRobin(calls, client), slice, undefined, false)).measurement);
        floorParts.push(await floor.measure(calls, slice, false));
      }
      result.sut = mergeMeasurements(sutParts);
      result.floor = mergeMeasurements(floorParts);
      if (result.sut) result.sut.gc = await gcOverWindows(proc, result.sut.windows ?? []);
      if (result.floor) result.floor.gc = await gcOverWindows(floor.process, result.floor.windows ?? []);
    } else {
      const { measurement } = await measure(client, proc, roundRobin(calls, client), profile.traffic, during);
      result.sut = measurement;
      if (churnResult) result.churn = { ...churnResult, failedChecks: measurement.errors + measurement.unexpected };
    }
  } finally {
    client.close();
    await proc.stop(options.clinic ? 'SIGINT' : 'SIGTERM', options.clinic ? 300_000 : 5000);
    await feeder?.close();
    await churnProc?.close();
  }
  if (floor && result.sut && !result.floor) {
    log(`[${spec.name}] floor: no-op grpc-js ext_authz server, same client, same requests, same traffic`);
    result.floor = await floor.measure(calls, profile.traffic);
  }
  if (result.floor && result.sut) {
    result.ratios = {
      p50: result.sut.latency.p50 / result.floor.latency.p50,
      p99: result.sut.latency.p99 / result.floor.latency.p99,
      throughput: result.sut.throughput / result.floor.throughput,
      cpuPerCheck: result.floor.cpuUsPerCheck > 0 ? result.sut.cpuUsPerCheck / result.floor.cpuUsPerCheck : 0,
    };
  }
  return result;
}

export function describeTraffic(t: TrafficOptions): string {
  const what = t.mode === 'closed' ? `closed loop, concurrency ${t.concurrency}` : `open loop, ${t.rate}/s`;
  const howLong = t.requests !== undefined ? `${t.requests} requests` : `${(t.durationMs ?? 0) / 1000} s`;
  return `${what}, ${howLong}, warm-up ${t.warmupMs / 1000} s`;
}

export async function runProfile(profile: BenchProfile, options: RunOptions): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const opts = { ...options, log };
  const started = new Date();
  const loadAtStart = os.loadavg();
  const t0 = performance.now();
  const runDir = makeRunDir();
  fs.mkdirSync(options.resultsDir, { recursive: true });
  const stores: StoreResult[] = [];
  let floorSession: FloorSession | undefined;
  try {
    if (profile.floor && profile.path === 'direct') floorSession = await FloorSession.start(runDir, profile.apiVersion);
    for (const [i, spec] of profile.stores.entries()) stores.push(await runStore(profile, spec, i, runDir, opts, floorSession));
  } finally {
    await floorSession?.close();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  const floor = mergeMeasurements(stores.map((s) => s.floor).filter((f): f is LoadMeasurement => f !== undefined));
  const cpus = os.cpus();
  const result: BenchResult = {
    format: 'alpsim-bench/1',
    profile: {
      name: profile.name,
      description: profile.description,
      file: profile.file,
      path: profile.path,
      seed: profile.seed,
      compat: profile.compat,
      traffic: profile.traffic,
      churn: profile.churn,
    },
    startedAt: started.toISOString(),
    durationMs: performance.now() - t0,
    host: {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      totalMemoryBytes: os.totalmem(),
      loadAverageAtStart: loadAtStart,
      loadAverage: os.loadavg(),
    },
    systemUnderTest: { command: options.dikastesCommand ?? 'dikastes (alpsim, packages/dikastes)', ours: !options.dikastesCommand },
    floor,
    stores,
    targets: [],
    clinic: options.clinic ? { tool: options.clinic, reportDir: path.join(options.resultsDir, `clinic-${options.clinic}`) } : undefined,
    files: { json: '', html: '' },
  };
  result.targets = evaluateTargets(result);
  return result;
}

/** Exposed for tests: a fresh histogram to check percentile maths against hand-computed values. */
export { LatencyHistogram };
