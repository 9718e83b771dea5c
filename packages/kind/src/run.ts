// `alpsim kind run`: apply an export, wait for the pods, run the request Jobs (and the scenario's
// apply/delete steps between them) and turn the Jobs' logs into alpsim results.
import * as path from 'node:path';
import type { RequestResult, ResolvedRequest, ResolvedScenario, ScenarioResult } from '@alpsim/scenario';
import { BASE_FILES, type KindExport, type ManifestFile, type ProbeJob } from './export';
import { Kubectl } from './kubectl';
import { parseProbeLog, requestResult, type ProbeResult } from './results';

export interface KindRunOptions {
  kubectl: Kubectl;
  /** Directory the export was written to. */
  dir: string;
  /** Seconds to wait for pods to become Ready and for each round of Jobs. */
  timeoutSeconds: number;
  /** Leave the scenario's objects in the cluster afterwards. */
  keep: boolean;
  log?: (line: string) => void;
}

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'calico-system', 'calico-apiserver', 'tigera-operator', 'istio-system']);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForPods(opts: KindRunOptions, pods: KindExport['pods']): Promise<void> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  for (const pod of pods) {
    const left = Math.max(1, Math.round((deadline - Date.now()) / 1000));
    const r = await opts.kubectl.run(['wait', '--for=condition=Ready', `pod/${pod.name}`, '-n', pod.namespace, `--timeout=${left}s`]);
    if (r.code !== 0) {
      const describe = await opts.kubectl.run(['get', 'pod', pod.name, '-n', pod.namespace, '-o', 'wide']);
      throw new Error(`pod ${pod.namespace}/${pod.name} not Ready within ${opts.timeoutSeconds}s: ${r.stderr.trim()}\n${describe.stdout}`);
    }
  }
}

/** Poll until each Job has succeeded or failed; return its client container's log. */
async function runJobs(opts: KindRunOptions, file: string, jobs: ProbeJob[]): Promise<Map<string, string>> {
  await opts.kubectl.must(['apply', '-f', path.join(opts.dir, file)]);
  const logs = new Map<string, string>();
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const pending = new Set(jobs.map((j) => `${j.namespace}/${j.name}`));
  while (pending.size) {
    for (const job of jobs) {
      const key = `${job.namespace}/${job.name}`;
      if (!pending.has(key)) continue;
      const status = await opts.kubectl.run(['get', 'job', job.name, '-n', job.namespace, '-o', 'jsonpath={.status.succeeded},{.status.failed}']);
      const [succeeded, failed] = status.stdout.split(',').map((n) => Number(n || 0));
      if (succeeded > 0 || failed > 0) {
        const log = await opts.kubectl.run(['logs', `job/${job.name}`, '-n', job.namespace, '-c', 'client']);
        logs.set(key, log.stdout);
        pending.delete(key);
        opts.log?.(`job ${key} ${succeeded > 0 ? 'completed' : 'failed'}`);
      }
    }
    if (!pending.size) break;
    if (Date.now() > deadline) throw new Error(`request Jobs still running after ${opts.timeoutSeconds}s: ${[...pending].join(', ')}`);
    await sleep(2000);
  }
  return logs;
}

function requestsById(resolved: ResolvedScenario): Map<string, { request: ResolvedRequest; step?: number }> {
  const out = new Map<string, { request: ResolvedRequest; step?: number }>();
  for (const r of resolved.requests) out.set(r.id, { request: r });
  for (const s of resolved.steps) if (s.kind === 'request') out.set(s.request.id, { request: s.request, step: s.index });
  return out;
}

/**
 * Delete what the scenario created and wait for it to be gone: the next scenario may use the same
 * namespace names, and a namespace that is still Terminating refuses new objects.
 */
async function cleanUp(opts: KindRunOptions, exp: KindExport): Promise<void> {
  const wait = ['--ignore-not-found', '--wait=true', `--timeout=${Math.max(60, opts.timeoutSeconds)}s`];
  const problems: string[] = [];
  const del = async (args: string[]) => {
    const r = await opts.kubectl.run(['delete', ...args, ...wait]);
    if (r.code !== 0) problems.push(r.stderr.trim() || `kubectl delete ${args.join(' ')} exited ${r.code}`);
  };
  const base = (name: string): ManifestFile => exp.baseFiles.find((f) => f.name === name) ?? { name, objects: [] };
  // Cluster-scoped objects first (they outlive namespaces), then the namespaces with everything in them.
  // The step files that apply policies are deleted too: a step may add a policy the base files lack.
  for (const f of [...exp.stepFiles].reverse()) if (f.name.endsWith('-apply.yaml') && f.objects.length) await del(['-f', path.join(opts.dir, f.name)]);
  if (base(BASE_FILES.policies).objects.length) await del(['-f', path.join(opts.dir, BASE_FILES.policies)]);
  const namespaces = base(BASE_FILES.namespaces).objects.map((o) => String(o.metadata.name)).filter((n) => !PROTECTED_NAMESPACES.has(n));
  if (namespaces.length) await del(['namespace', ...namespaces]);
  // In namespaces that stay (default, …), delete our own objects one by one.
  const kept = new Map<string, string[]>();
  for (const f of [base(BASE_FILES.serviceAccounts), base(BASE_FILES.workloads), ...exp.stepFiles.filter((x) => x.name.endsWith('requests.yaml'))]) {
    for (const o of f.objects) {
      const ns = o.metadata?.namespace as string | undefined;
      if (!ns || !PROTECTED_NAMESPACES.has(ns) || !['ServiceAccount', 'Pod', 'Service', 'Job'].includes(o.kind)) continue;
      kept.set(ns, [...(kept.get(ns) ?? []), `${String(o.kind).toLowerCase()}/${o.metadata.name}`]);
    }
  }
  for (const [ns, refs] of kept) await del(['-n', ns, ...refs]);
  if (problems.length) throw new Error(problems.join('; '));
}

/** Fail early, as a user error, when the context names no reachable cluster. */
export async function checkCluster(kubectl: Kubectl, context: string): Promise<void> {
  const r = await kubectl.run(['get', 'namespace', 'default', '-o', 'name', '--request-timeout=20s']);
  if (r.code !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim()).split('\n')[0];
    throw Object.assign(new Error(`no reachable cluster at kubectl context ${context}: ${why}\n(create it with scripts/kind/up, or name another with --context)`), { userError: true });
  }
}

export async function runExportedScenario(resolved: ResolvedScenario, exp: KindExport, opts: KindRunOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const notes = [...exp.warnings];
  const results: RequestResult[] = [];
  const byId = requestsById(resolved);
  const seen = new Map<string, ProbeResult>();
  let error: string | undefined;
  let applied = false;
  try {
    // Start clean: leftovers of an interrupted or --keep run (same names) would make Pods immutable
    // conflicts or carry old policy into this run.
    opts.log?.('removing leftovers of earlier runs');
    await cleanUp(opts, exp);
    for (const f of exp.baseFiles) {
      if (!f.objects.length) continue;
      opts.log?.(`kubectl apply -f ${f.name}`);
      applied = true;
      await opts.kubectl.must(['apply', '-f', path.join(opts.dir, f.name)]);
    }
    await waitForPods(opts, exp.pods);
    for (const action of exp.plan) {
      if (action.kind === 'skip') {
        if (!notes.includes(action.note)) notes.push(action.note);
        continue;
      }
      if (action.kind === 'apply') await opts.kubectl.must(['apply', '-f', path.join(opts.dir, action.file)]);
      else if (action.kind === 'delete') await opts.kubectl.must(['delete', '-f', path.join(opts.dir, action.file)]);
      else {
        const logs = await runJobs(opts, action.file, action.jobs);
        for (const job of action.jobs) {
          for (const probe of parseProbeLog(logs.get(`${job.namespace}/${job.name}`) ?? '')) seen.set(probe.id, probe);
          for (const id of job.requestIds) {
            const probe = seen.get(id);
            const entry = byId.get(id);
            if (!entry) continue;
            if (!probe) {
              error = `Job ${job.namespace}/${job.name} printed no result for ${id} (see kubectl logs job/${job.name} -n ${job.namespace})`;
              continue;
            }
            results.push(requestResult(entry.request, probe, entry.step));
          }
        }
      }
    }
  } catch (e) {
    error = (e as Error).message;
  } finally {
    if (!opts.keep && applied) await cleanUp(opts, exp).catch((e: Error) => notes.push(`clean-up failed: ${e.message}`));
  }
  return { scenario: resolved.scenario, mode: 'full', results, durationMs: performance.now() - started, notes, ...(error ? { error } : {}) };
}
