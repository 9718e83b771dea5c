import * as path from 'node:path';
import {
  loadResources,
  parseResourcesText,
  parseKindName,
  formatIssue,
  computeDataplane,
  expandPods,
  IPAllocator,
  deterministicUid,
  type LoadedResource,
  type LocatedIssue,
  type ResourceKind,
} from '@alpsim/calico';
import { loadScenarios } from './discover';
import { formatPos, ProblemList, ScenarioError, type SourcePos } from './errors';
import { listenerKinds, type ListenerKind } from './run/pilot-model';
import type { DeleteRef, PortSpec, RequestSpec, ResourceRef, Scenario, WorkloadSpec } from './model';

/**
 * Turns a parsed scenario into everything a run needs, checking every cross-reference up front
 * (resources load and validate, workloads exist, ports exist, deletes name something that exists at
 * that point) so that nothing starts, and nothing is half-applied, when the input is wrong.
 */

export interface ResolvedWorkload extends WorkloadSpec {
  ip: string;
  spiffeId: string;
  /** Position in the scenario (stable per run): used for socket folder names. */
  index: number;
}

export interface ResolvedRequest extends RequestSpec {
  port: number;
  sourceIp: string;
  /** '' when the source has no identity (a bare IP, or a workload without a sidecar). */
  sourcePrincipal: string;
}

export type ResolvedStep =
  | { kind: 'apply'; resources: LoadedResource[]; describe: string[]; index: number }
  | { kind: 'delete'; refs: Array<{ kind: ResourceKind; namespace: string; name: string }>; describe: string[]; index: number }
  | { kind: 'request'; request: ResolvedRequest; index: number }
  | { kind: 'fault'; fault: Scenario['steps'][number] & { kind: 'fault' }; targets: string[]; index: number };

export interface ResolvedScenario {
  scenario: Scenario;
  /** The initial resource set, scenario workloads included as Pods (what Felix computes from). */
  resources: LoadedResource[];
  workloads: Map<string, ResolvedWorkload>;
  requests: ResolvedRequest[];
  steps: ResolvedStep[];
  /** Per sidecar workload and port: the inbound listener Pilot builds (decides HTTP vs TCP checks). */
  listeners: Map<string, Map<number, ListenerKind>>;
}

const WORKLOAD_CONTROLLERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
export const IP_ANNOTATION = 'alpsim.io/ip';
const SIDECAR_ANNOTATION = 'sidecar.istio.io/inject';
const DEFAULT_PORTS: PortSpec[] = [{ name: 'http', port: 80, protocol: 'TCP' }];

export function resourceIdentity(r: { kind: string; namespace?: string; name: string }): string {
  return `${r.kind}|${r.namespace ?? ''}|${r.name}`;
}

export function describeLoaded(r: LoadedResource): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

function calicoErrorLines(error: unknown): string[] {
  const issues = (error as { issues?: LocatedIssue[] }).issues;
  if (Array.isArray(issues)) return issues.map(formatIssue);
  return [(error as Error).message];
}

/** Load every resource reference (files relative to the scenario file, globs, inline objects). */
export async function loadResourceRefs(refs: ResourceRef[], compat: Scenario['compat'], problems: string[]): Promise<LoadedResource[]> {
  const out: LoadedResource[] = [];
  for (const ref of refs) {
    if (ref.kind === 'file') {
      const pattern = path.isAbsolute(ref.pattern) ? ref.pattern : path.join(ref.baseDir, ref.pattern);
      try {
        out.push(...(await loadResources([pattern], { compat })));
      } catch (error) {
        if (!(error as { userError?: boolean }).userError) throw error;
        for (const line of calicoErrorLines(error)) problems.push(`${formatPos(ref.pos)}: file: ${line}`);
      }
    } else {
      const { resources, issues } = parseResourcesText(ref.text, ref.pos.file, { compat });
      for (const issue of issues) problems.push(formatIssue(issue));
      out.push(...resources);
    }
  }
  return out;
}

function podFromWorkload(w: ResolvedWorkload): LoadedResource {
  const object = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: w.name,
      namespace: w.namespace,
      uid: deterministicUid(`pod/${w.namespace}/${w.name}`),
      labels: w.labels,
      annotations: { [SIDECAR_ANNOTATION]: String(w.sidecar) },
    },
    spec: {
      serviceAccountName: w.serviceAccount,
      containers: [
        {
          name: 'app',
          image: 'alpsim/upstream',
          ports: w.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.port, protocol: p.protocol })),
        },
      ],
    },
    status: { phase: 'Running', podIP: w.ip, podIPs: [{ ip: w.ip }] },
  };
  return { kind: 'Pod', apiVersion: 'v1', namespace: w.namespace, name: w.name, object, source: w.pos };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A workload for every pod the resources describe (Pods, and replicas of Deployments/StatefulSets/DaemonSets, named as Kubernetes would). */
function workloadsFromResources(loaded: LoadedResource[], aliases: Map<string, string>): WorkloadSpec[] {
  return expandPods(loaded).map((pod) => {
    // `ns/<deployment>` names its first pod, whose generated name nobody can guess.
    if (pod.owner.kind !== 'Pod') {
      const alias = `${pod.namespace}/${pod.owner.name}`;
      if (!aliases.has(alias)) aliases.set(alias, `${pod.namespace}/${pod.name}`);
    }
    const src = pod.owner.source;
    const ip = pod.ips[0] ?? str(pod.annotations[IP_ANNOTATION]);
    const ports = pod.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol }));
    const w: WorkloadSpec = {
      key: `${pod.namespace}/${pod.name}`,
      name: pod.name,
      namespace: pod.namespace,
      serviceAccount: pod.serviceAccount,
      labels: { ...pod.labels },
      ports: ports.length ? ports : DEFAULT_PORTS,
      sidecar: pod.annotations[SIDECAR_ANNOTATION] !== 'false',
      pos: src ? { file: src.file, line: src.line, col: src.col } : { file: '?', line: 0, col: 0 },
      origin: 'resource',
    };
    if (ip) w.ip = ip;
    return w;
  });
}

function spiffeIdOf(trustDomain: string, w: { namespace: string; serviceAccount: string }): string {
  return `spiffe://${trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`;
}

export async function resolveScenario(scenario: Scenario): Promise<ResolvedScenario> {
  const loadProblems: string[] = [];
  const loaded = await loadResourceRefs(scenario.resources, scenario.compat, loadProblems);
  const problems = new ProblemList();

  // Workloads: declared ones first, then pods and workload controllers from the resources.
  const specs: WorkloadSpec[] = [];
  const seen = new Map<string, WorkloadSpec>();
  const addWorkload = (w: WorkloadSpec) => {
    const earlier = seen.get(w.key);
    if (earlier) {
      problems.add(w.pos, 'workloads', `duplicate workload ${w.key} (also at ${formatPos(earlier.pos)})`);
      return;
    }
    seen.set(w.key, w);
    specs.push(w);
  };
  scenario.workloads.forEach((w) => addWorkload({ ...w, ports: w.ports.length ? w.ports : DEFAULT_PORTS }));
  const passthrough = loaded.filter((r) => r.kind !== 'Pod' && !WORKLOAD_CONTROLLERS.has(r.kind));
  const aliases = new Map<string, string>();
  workloadsFromResources(loaded, aliases).forEach(addWorkload);

  const ips = new IPAllocator();
  const byIp = new Map<string, WorkloadSpec>();
  for (const w of specs) {
    if (!w.ip) continue;
    const other = byIp.get(w.ip);
    if (other) problems.add(w.pos, 'ip', `IP ${w.ip} is already used by workload ${other.key}`);
    byIp.set(w.ip, w);
    ips.reserve(w.ip);
  }
  const workloads = new Map<string, ResolvedWorkload>();
  specs.forEach((w, index) => {
    workloads.set(w.key, { ...w, ip: w.ip ?? ips.assign(w.key), spiffeId: spiffeIdOf(scenario.trustDomain, w), index });
  });

  // Every pod becomes a Pod with its final IP, so Felix's view and the harness' address plan agree.
  const pods = [...workloads.values()].map(podFromWorkload);
  const resources = [...passthrough, ...pods];

  const canonical = (key: string) => (workloads.has(key) ? key : (aliases.get(key) ?? key));
  const resolveRequest = (original: RequestSpec, where: string): ResolvedRequest | undefined => {
    const r: RequestSpec = {
      ...original,
      to: canonical(original.to),
      from: original.from.kind === 'workload' ? { kind: 'workload', key: canonical(original.from.key) } : original.from,
    };
    const target = workloads.get(r.to);
    if (!target) {
      problems.add(r.pos, `${where}.to`, `expected a workload; ${r.to} is not declared (known: ${[...workloads.keys()].join(', ') || 'none'})`);
      return undefined;
    }
    if (!target.sidecar) {
      problems.add(r.pos, `${where}.to`, `expected a workload with a sidecar; ${r.to} has sidecar: false, so no Dikastes judges its traffic`);
      return undefined;
    }
    const port = r.port ?? target.ports[0].port;
    if (!target.ports.some((p) => p.port === port)) {
      problems.add(r.pos, `${where}.port`, `expected one of ${r.to}'s ports (${target.ports.map((p) => p.port).join(', ')}), got ${port}`);
      return undefined;
    }
    if (r.from.kind === 'ip') return { ...r, port, sourceIp: r.from.ip, sourcePrincipal: '' };
    const source = workloads.get(r.from.key);
    if (!source) {
      problems.add(r.pos, `${where}.from`, `expected a workload or {ip: ...}; ${r.from.key} is not declared`);
      return undefined;
    }
    return { ...r, port, sourceIp: source.ip, sourcePrincipal: source.sidecar ? source.spiffeId : '' };
  };
  const requests = scenario.requests
    .map((r, i) => resolveRequest(r, `spec.requests[${i}]`))
    .filter((r): r is ResolvedRequest => r !== undefined);

  // Steps: simulate the resource set so deletes of absent objects are caught before anything runs.
  const present = new Set(resources.map(resourceIdentity));
  const steps: ResolvedStep[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    const where = `spec.steps[${index}]`;
    if (step.kind === 'apply') {
      const stepLoaded = await loadResourceRefs(step.resources, scenario.compat, loadProblems);
      for (const r of stepLoaded) {
        if (r.kind === 'Pod' || WORKLOAD_CONTROLLERS.has(r.kind)) {
          problems.add(step.pos, `${where}.apply`, `adding workloads in a step is not supported (${describeLoaded(r)}); declare it up front`);
        }
        present.add(resourceIdentity(r));
      }
      steps.push({ kind: 'apply', resources: stepLoaded, describe: stepLoaded.map(describeLoaded), index });
    } else if (step.kind === 'delete') {
      const refs: Array<{ kind: ResourceKind; namespace: string; name: string }> = [];
      for (const ref of step.refs) {
        const kind = resolveKind(ref);
        if (!kind) {
          problems.add(ref.pos, `${where}.delete.kind`, `expected a resource kind (GlobalNetworkPolicy, NetworkPolicy, NetworkSet, GlobalNetworkSet, Profile, Tier, Namespace, ServiceAccount), got ${JSON.stringify(ref.kind)}`);
          continue;
        }
        const namespace = ref.namespace ?? (isNamespaced(kind) ? 'default' : '');
        const id = resourceIdentity({ kind, namespace, name: ref.name });
        if (!present.has(id)) {
          problems.add(ref.pos, `${where}.delete`, `expected an existing resource; ${namespace ? `${kind} ${namespace}/${ref.name}` : `${kind} ${ref.name}`} does not exist at this step`);
          continue;
        }
        present.delete(id);
        refs.push({ kind, namespace, name: ref.name });
      }
      steps.push({ kind: 'delete', refs, describe: refs.map((r) => (r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`)), index });
    } else if (step.kind === 'request') {
      const request = resolveRequest(step.request, `${where}.request`);
      if (request) steps.push({ kind: 'request', request, index });
    } else {
      const sidecars = [...workloads.values()].filter((w) => w.sidecar).map((w) => w.key);
      const faultTarget = step.workload ? canonical(step.workload) : undefined;
      if (faultTarget && !sidecars.includes(faultTarget)) {
        problems.add(step.pos, `${where}.fault.workload`, `expected a workload with a sidecar, got ${step.workload}`);
        continue;
      }
      steps.push({ kind: 'fault', fault: step, targets: faultTarget ? [faultTarget] : sidecars, index });
    }
  }

  // Every state the run will reach must compute (e.g. a policy naming a missing tier), so a bad step
  // fails here, before any process starts, instead of half-way through the run.
  if (loadProblems.length === 0 && problems.empty) {
    let state = resources;
    const check = (where: SourcePos, path: string) => {
      try {
        computeDataplane(state, { compat: scenario.compat });
      } catch (error) {
        if (!(error as { userError?: boolean }).userError) throw error;
        problems.add(where, path, `the resources at this point are not a valid cluster state: ${(error as Error).message}`);
      }
    };
    check(scenario.pos, 'spec.resources');
    for (const step of steps) {
      if (step.kind !== 'apply' && step.kind !== 'delete') continue;
      state = applyStep(state, step);
      check(scenario.steps[step.index].pos, `spec.steps[${step.index}]`);
    }
  }

  const lines = [...loadProblems, ...problems.problems.map((p) => `${formatPos(p.pos)}: ${p.path}: ${p.message}`)];
  if (lines.length) throw new ScenarioError(lines.length === 1 ? lines[0] : `invalid scenario ${scenario.name}:\n  ${lines.join('\n  ')}`);
  const partial = { scenario, resources, workloads, requests, steps, listeners: new Map<string, Map<number, ListenerKind>>() };
  partial.listeners = listenerKinds(partial);
  return partial;
}

function resolveKind(ref: DeleteRef): ResourceKind | undefined {
  return parseKindName(ref.kind);
}

const NAMESPACED = new Set(['NetworkPolicy', 'NetworkSet', 'ServiceAccount', 'K8sNetworkPolicy', 'Pod', 'Service']);
function isNamespaced(kind: string): boolean {
  return NAMESPACED.has(kind);
}

/** Apply a step to a resource list (replace by identity / remove), returning the new list. */
export function applyStep(resources: LoadedResource[], step: ResolvedStep): LoadedResource[] {
  if (step.kind === 'apply') {
    const byId = new Map(resources.map((r) => [resourceIdentity(r), r]));
    for (const r of step.resources) byId.set(resourceIdentity(r), r);
    return [...byId.values()];
  }
  if (step.kind === 'delete') {
    const gone = new Set(step.refs.map(resourceIdentity));
    return resources.filter((r) => !gone.has(resourceIdentity(r)));
  }
  return resources;
}

/** Load and resolve every scenario the inputs name; all problems of all scenarios are reported together. */
export async function resolveAll(paths: string[]): Promise<ResolvedScenario[]> {
  const scenarios = await loadScenarios(paths);
  const resolved: ResolvedScenario[] = [];
  const errors: string[] = [];
  for (const s of scenarios) {
    try {
      resolved.push(await resolveScenario(s));
    } catch (error) {
      if (!(error as { userError?: boolean }).userError) throw error;
      errors.push((error as Error).message);
    }
  }
  if (errors.length) throw new ScenarioError(errors.join('\n'));
  return resolved;
}
