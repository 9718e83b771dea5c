import { computeDataplane, type DataplaneState, type LoadedResource } from '@alpsim/calico';
import { FelixServer } from '@alpsim/felix';
import type { AuthzApiVersion } from '@alpsim/proto';
import { authzApiFor, ENVOY_AUTHZ_TIMEOUT_MS, RPC_CODE_NAMES } from '../authz';
import { HarnessError } from '../errors';
import { Explainer } from '../explain';
import type { RunMode, RequestResult, ScenarioResult, Decision } from '../results';
import { applyStep, type ResolvedRequest, type ResolvedScenario, type ResolvedStep } from '../resolve';
import { sleep, Supervisor, waitFor } from '../supervisor';
import { DikastesProcess } from './dikastes-process';
import { checkRequestFor, DirectTransport, type Transport } from './transport';

export interface RunOptions {
  mode: RunMode;
  /** `--dikastes "<command>"`: any binary with Dikastes' CLI. */
  dikastesCommand?: string;
  /** `--webhook "<command>"`: any binary with pilot-webhook's CLI. */
  webhookCommand?: string;
  /** Key type of the CA and SVIDs in full mode (default ec). */
  keyType?: 'rsa' | 'ec';
  /** ext_authz service name to call (default: by compat, v2alpha for 3.2, v3 otherwise). */
  authzApi?: AuthzApiVersion;
  /** Envoy's ext_authz timeout (default 200 ms, Envoy's default). */
  authzTimeoutMs?: number;
  /** Include the per-rule explanation lines in each result. */
  explain: boolean;
  /** Requests in flight at once for the initial request list. */
  concurrency?: number;
  /** Called once per finished request. */
  onRequestDone?: () => void;
  log?: (line: string) => void;
}

/** Builds the full-mode transport (Pilot, webhook, proxies, upstream apps); loaded lazily. */
export type FullTransportFactory = (ctx: FullModeContext) => Promise<Transport>;

export interface FullModeContext {
  resolved: ResolvedScenario;
  supervisor: Supervisor;
  dikastes: Map<string, DikastesProcess>;
  webhookCommand?: string;
  keyType?: 'rsa' | 'ec';
  authzTimeoutMs: number;
  authzApi: AuthzApiVersion;
  log: (line: string) => void;
  /** Notes shown under the scenario's table. */
  notes: string[];
}

export function computeState(resources: LoadedResource[], compat: ResolvedScenario['scenario']['compat']): DataplaneState {
  return computeDataplane(resources, { compat });
}

/** Settle time after a policy update reached every Dikastes' socket (see README: best effort). */
const UPDATE_SETTLE_MS = 40;
const EPHEMERAL_PORT_BASE = 40000;

/**
 * Run one resolved scenario end to end: Felix fake on per-workload sockets, one Dikastes child
 * process per sidecar workload, (full mode) Pilot + webhook + proxies + apps, the requests, the steps,
 * and a teardown that leaves no process or socket behind.
 */
export async function runScenario(resolved: ResolvedScenario, opts: RunOptions, fullFactory?: FullTransportFactory): Promise<ScenarioResult> {
  const started = performance.now();
  const { scenario } = resolved;
  const log = opts.log ?? (() => undefined);
  const notes: string[] = [];
  const results: RequestResult[] = [];
  const supervisor = new Supervisor();
  const apiVersion = opts.authzApi ?? authzApiFor(scenario.compat);
  const authzTimeoutMs = opts.authzTimeoutMs ?? ENVOY_AUTHZ_TIMEOUT_MS;
  let retries = 0;
  let felix = new FelixServer({ log: (line) => log(`felix: ${line}`) });
  const dikastes = new Map<string, DikastesProcess>();
  let transport: Transport | undefined;
  let error: string | undefined;
  let resources = resolved.resources;
  let state = computeState(resources, scenario.compat);
  let explainer = new Explainer(scenario.compat, state, resources, apiVersion);
  const sidecars = [...resolved.workloads.values()].filter((w) => w.sidecar);
  const felixSockets = new Map<string, string>();
  let sourcePort = 0;

  const listenAll = async () => {
    for (const w of sidecars) await felix.listenWorkload(w.key, felixSockets.get(w.key)!);
  };

  const judge = async (request: ResolvedRequest, step?: number): Promise<RequestResult> => {
    const t0 = performance.now();
    const target = resolved.workloads.get(request.to)!;
    const check = checkRequestFor(request, target, EPHEMERAL_PORT_BASE + (sourcePort++ % 20000), resolved.listeners.get(request.to)?.get(request.port));
    let delivery = await transport!.send(request, check);
    // All proxies share this process: on a busy machine a Check can miss Envoy's 200 ms budget
    // for reasons no cluster would have. A deny the engine disagrees with, while the destination's
    // Dikastes runs normally, is retried (twice); a real disagreement stays and is reported.
    const running = dikastes.get(request.to)?.status === 'running';
    for (let attempt = 0; attempt < 2 && running && delivery.got === 'deny' && !delivery.beforeCheck; attempt++) {
      if (explainer.explain(request.to, check, false).code !== 0) break;
      retries++;
      delivery = await transport!.send(request, check);
    }
    let decision: Decision;
    if (delivery.transportFailure) {
      decision = { summary: delivery.transportFailure };
    } else {
      const explained = explainer.explain(request.to, check, opts.explain);
      decision = explained.decision;
      const modelSays = explained.code === 0 ? 'allow' : 'deny';
      if (modelSays !== delivery.got) {
        decision = {
          summary: `Dikastes answered ${delivery.detail}; alpsim's engine would answer ${RPC_CODE_NAMES[explained.code] ?? explained.code} (${decision.summary})`,
          details: decision.details,
        };
      }
    }
    opts.onRequestDone?.();
    const result: RequestResult = {
      request,
      port: request.port,
      expected: request.expect,
      got: delivery.got,
      detail: delivery.detail,
      decision,
      met: delivery.got === request.expect,
      durationMs: performance.now() - t0,
    };
    if (step !== undefined) result.step = step;
    return result;
  };

  const propagate = async () => {
    // Felix has written the update to every stream; two probe round trips with each Dikastes (whose
    // event loop reads the sync stream and the Check socket in arrival order) plus a short settle
    // make it all but certain the update was applied. Policy sync has no acknowledgement to wait on.
    for (let round = 0; round < 2; round++) await Promise.all([...dikastes.values()].map((d) => d.probe()));
    await sleep(UPDATE_SETTLE_MS);
  };

  const runStep = async (step: ResolvedStep) => {
    const label = `step ${step.index + 1}`;
    if (step.kind !== 'request') for (const d of dikastes.values()) d.resume(); // a slow fault lasts until the next step
    switch (step.kind) {
      case 'apply':
      case 'delete': {
        resources = applyStep(resources, step);
        state = computeState(resources, scenario.compat);
        felix.setState(state);
        explainer = new Explainer(scenario.compat, state, resources, apiVersion);
        await propagate();
        notes.push(`${label}: ${step.kind === 'apply' ? 'applied' : 'deleted'} ${step.describe.join(', ')}`);
        return;
      }
      case 'request':
        results.push(await judge(step.request, step.index));
        return;
      case 'fault':
        await runFault(step, label);
    }
  };

  const runFault = async (step: ResolvedStep & { kind: 'fault' }, label: string) => {
    const targets = step.targets.map((key) => dikastes.get(key)!);
    switch (step.fault.fault) {
      case 'felix-restart': {
        await felix.close();
        felix = new FelixServer({ log: (line) => log(`felix: ${line}`) });
        felix.setState(state);
        await listenAll();
        const expected = [...dikastes.values()].filter((d) => d.status === 'running').map((d) => d.spec.workloadKey);
        await waitFor('every Dikastes to reconnect to the restarted Felix', () => {
          const connected = new Set(felix.connectedWorkloads());
          return expected.every((k) => connected.has(k));
        }, 10000);
        await propagate();
        notes.push(`${label}: Felix restarted; every Dikastes kept its store, reconnected and re-synced`);
        return;
      }
      case 'dikastes-restart': {
        await Promise.all(targets.map((d) => d.stop()));
        await Promise.all(targets.map((d) => d.start()));
        await Promise.all(targets.map((d) => transport!.dikastesRestarted(d.spec.workloadKey)));
        notes.push(`${label}: Dikastes restarted for ${step.targets.join(', ')} (fresh store, re-synced before continuing)`);
        return;
      }
      case 'dikastes-stop': {
        for (const d of targets) await d.stop();
        notes.push(`${label}: Dikastes stopped for ${step.targets.join(', ')}: Check calls fail, Envoy denies`);
        return;
      }
      case 'dikastes-slow': {
        for (const d of targets) d.pause();
        notes.push(`${label}: Dikastes paused (SIGSTOP) for ${step.targets.join(', ')} until the next non-request step: Checks exceed Envoy's 200 ms timeout and are denied`);
        return;
      }
    }
  };

  try {
    log(`harness: workspace ${supervisor.dir}`);
    for (const w of sidecars) {
      felixSockets.set(w.key, supervisor.path(`w${w.index}`, 'nodeagent', 'socket'));
    }
    felix.setState(state);
    await listenAll();
    for (const w of sidecars) {
      dikastes.set(
        w.key,
        new DikastesProcess(supervisor, {
          workloadKey: w.key,
          listenSocket: supervisor.path(`w${w.index}`, 'dikastes.sock'),
          felixSocket: felixSockets.get(w.key)!,
          compat: scenario.compat,
          apiVersion,
          command: opts.dikastesCommand,
        }),
      );
    }
    await Promise.all([...dikastes.values()].map((d) => d.start()));
    log(`harness: ${dikastes.size} Dikastes processes in sync after ${(performance.now() - started).toFixed(0)} ms`);
    if (opts.mode === 'full') {
      if (!fullFactory) throw new HarnessError('full mode is not available in this build');
      transport = await fullFactory({ resolved, supervisor, dikastes, webhookCommand: opts.webhookCommand, keyType: opts.keyType, authzTimeoutMs, authzApi: apiVersion, log, notes });
      log(`harness: certificates, pilot-webhook, proxies and apps up after ${(performance.now() - started).toFixed(0)} ms`);
    } else {
      transport = new DirectTransport(dikastes, authzTimeoutMs, resolved.listeners);
    }

    const concurrency = Math.max(1, opts.concurrency ?? (opts.mode === 'direct' ? 32 : 8));
    const initial: RequestResult[] = new Array(resolved.requests.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, resolved.requests.length) }, async () => {
        while (next < resolved.requests.length) {
          const index = next++;
          initial[index] = await judge(resolved.requests[index]);
        }
      }),
    );
    results.push(...initial);
    log(`harness: ${initial.length} requests judged after ${(performance.now() - started).toFixed(0)} ms`);
    for (const step of resolved.steps) await runStep(step);
    for (const d of dikastes.values()) d.resume();
  } catch (e) {
    error = (e as Error).message;
    if (!(e as { userError?: boolean }).userError) error = (e as Error).stack ?? error;
  } finally {
    await transport?.close().catch(() => undefined);
    for (const d of dikastes.values()) d.close();
    await felix.close().catch(() => undefined);
    await supervisor.shutdown();
    log(`harness: torn down after ${(performance.now() - started).toFixed(0)} ms`);
  }
  if (retries > 0) notes.push(`${retries} request(s) retried after an ext_authz timeout the engine did not expect (a busy machine: raise --authz-timeout)`);
  const result: ScenarioResult = { scenario, mode: opts.mode, results, durationMs: performance.now() - started, notes };
  if (error) result.error = error;
  return result;
}
