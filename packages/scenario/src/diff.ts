import type { LoadedResource } from '@alpsim/calico';
import { evaluateInProcess } from './engine-run';
import type { ResolvedRequest, ResolvedScenario } from './resolve';
import { describeSource, type RequestResult } from './results';

/** Kinds that make up a "policy version"; everything else (pods, namespaces, SAs) stays from the scenario. */
export const POLICY_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'K8sNetworkPolicy', 'NetworkSet', 'GlobalNetworkSet', 'Tier', 'Profile']);

export function withPolicies(base: readonly LoadedResource[], policies: readonly LoadedResource[]): LoadedResource[] {
  return [...base.filter((r) => !POLICY_KINDS.has(r.kind)), ...policies.filter((r) => POLICY_KINDS.has(r.kind))];
}

/** Methods and paths named anywhere in the policies' ingress rules (the generator's vocabulary). */
export function namedMethodsAndPaths(policies: readonly LoadedResource[]): { methods: string[]; paths: string[] } {
  const methods = new Set<string>();
  const paths = new Set<string>(['/']);
  for (const r of policies) {
    const ingress = r.object?.spec?.ingress;
    if (!Array.isArray(ingress)) continue;
    for (const rule of ingress) {
      const http = rule?.http;
      for (const m of Array.isArray(http?.methods) ? http.methods : []) if (typeof m === 'string' && m !== '*') methods.add(m);
      for (const p of Array.isArray(http?.paths) ? http.paths : []) {
        if (typeof p?.exact === 'string') paths.add(p.exact);
        if (typeof p?.prefix === 'string') paths.add(p.prefix);
      }
    }
  }
  if (methods.size === 0) methods.add('GET');
  return { methods: [...methods].sort(), paths: [...paths].sort() };
}

/** Every ordered pair of workloads (destination with a sidecar) × each named method × each named path, on each destination port. */
export function generateRequests(resolved: ResolvedScenario, policies: readonly LoadedResource[]): ResolvedRequest[] {
  const { methods, paths } = namedMethodsAndPaths(policies);
  const out: ResolvedRequest[] = [];
  const workloads = [...resolved.workloads.values()];
  for (const source of workloads) {
    for (const target of workloads) {
      if (!target.sidecar || source.key === target.key) continue;
      for (const p of target.ports) {
        for (const method of methods) {
          for (const reqPath of paths) {
            out.push({
              id: `generated[${out.length}]`,
              name: `${source.key} → ${target.key}:${p.port} ${method} ${reqPath}`,
              from: { kind: 'workload', key: source.key },
              to: target.key,
              port: p.port,
              method,
              path: reqPath,
              headers: {},
              expect: 'allow',
              pos: resolved.scenario.pos,
              sourceIp: source.ip,
              sourcePrincipal: source.sidecar ? source.spiffeId : '',
            });
          }
        }
      }
    }
  }
  return out;
}

export interface VerdictChange {
  before: RequestResult;
  after: RequestResult;
}

export interface DiffReport {
  scenario: string;
  compared: number;
  changes: VerdictChange[];
}

/** Judge the same requests under two policy versions (in-process) and list those whose verdict changes. */
export function diffPolicies(
  resolved: ResolvedScenario,
  before: readonly LoadedResource[],
  after: readonly LoadedResource[],
  opts: { generate: boolean },
): DiffReport {
  const requests = opts.generate ? generateRequests(resolved, [...before, ...after]) : resolved.requests;
  const subject: ResolvedScenario = { ...resolved, requests, steps: [] };
  const b = evaluateInProcess(subject, { explain: false, resources: withPolicies(resolved.resources, before) });
  const a = evaluateInProcess(subject, { explain: false, resources: withPolicies(resolved.resources, after) });
  const changes: VerdictChange[] = [];
  b.results.forEach((r, i) => {
    if (r.got !== a.results[i].got) changes.push({ before: r, after: a.results[i] });
  });
  return { scenario: resolved.scenario.name, compared: requests.length, changes };
}

export function renderDiff(report: DiffReport): string {
  const lines = [`${report.scenario}: ${report.changes.length} of ${report.compared} requests change verdict`];
  for (const c of report.changes) {
    const r = c.before.request;
    lines.push(`  ${describeSource(r)} → ${r.to}:${r.port}  ${r.method} ${r.path}`);
    lines.push(`      before: ${c.before.got.padEnd(5)}  ${c.before.decision?.summary ?? ''}`);
    lines.push(`      after:  ${c.after.got.padEnd(5)}  ${c.after.decision?.summary ?? ''}`);
  }
  return lines.join('\n');
}
