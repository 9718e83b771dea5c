import type { LoadedResource } from '@alpsim/calico';
import { authzApiFor, RPC_CODE_NAMES } from './authz';
import { Explainer } from './explain';
import type { RequestResult, ScenarioResult } from './results';
import { applyStep, type ResolvedRequest, type ResolvedScenario } from './resolve';
import { computeState } from './run/scenario-run';
import { checkRequestFor, listenerOutcome } from './run/transport';

/**
 * Evaluate a scenario with alpsim's engine in-process: no sockets, no processes. Policy steps are
 * applied; faults are skipped (they concern processes). Used by `alpsim explain` and `alpsim diff`.
 */
export function evaluateInProcess(resolved: ResolvedScenario, opts: { explain: boolean; resources?: LoadedResource[] }): ScenarioResult {
  const started = performance.now();
  const { scenario } = resolved;
  const apiVersion = authzApiFor(scenario.compat);
  let resources = opts.resources ?? resolved.resources;
  let explainer = new Explainer(scenario.compat, computeState(resources, scenario.compat), resources, apiVersion);
  const notes: string[] = [];
  let port = 0;
  const judge = (request: ResolvedRequest, step?: number): RequestResult => {
    const t0 = performance.now();
    const target = resolved.workloads.get(request.to)!;
    let got: 'allow' | 'deny';
    let detail: string;
    let decision;
    const kind = resolved.listeners.get(request.to)?.get(request.port);
    const before = listenerOutcome(kind, request.port, request.sourcePrincipal);
    if (before) {
      got = before.got;
      detail = before.detail;
      decision = { summary: before.transportFailure! };
    } else {
      const check = checkRequestFor(request, target, 40000 + (port++ % 20000), kind);
      const explained = explainer.explain(request.to, check, opts.explain);
      got = explained.code === 0 ? 'allow' : 'deny';
      detail = RPC_CODE_NAMES[explained.code] ?? `code ${explained.code}`;
      decision = explained.decision;
    }
    const result: RequestResult = {
      request, port: request.port, expected: request.expect, got, detail, decision, met: got === request.expect, durationMs: performance.now() - t0,
    };
    if (step !== undefined) result.step = step;
    return result;
  };
  const results = resolved.requests.map((r) => judge(r));
  for (const step of resolved.steps) {
    if (step.kind === 'apply' || step.kind === 'delete') {
      resources = applyStep(resources, step);
      explainer = new Explainer(scenario.compat, computeState(resources, scenario.compat), resources, apiVersion);
      notes.push(`step ${step.index + 1}: ${step.kind === 'apply' ? 'applied' : 'deleted'} ${step.describe.join(', ')}`);
    } else if (step.kind === 'request') {
      results.push(judge(step.request, step.index));
    } else {
      notes.push(`step ${step.index + 1}: fault ${step.fault.fault} skipped (in-process evaluation has no processes)`);
    }
  }
  return { scenario, mode: 'engine', results, durationMs: performance.now() - started, notes };
}
