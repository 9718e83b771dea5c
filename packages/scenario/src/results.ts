import type { RequestSpec, Scenario, Verdict } from './model';

/** full: real proxies + mTLS; direct: CheckRequests straight to each Dikastes process; engine: in-process evaluation only (explain, diff). */
export type RunMode = 'full' | 'direct' | 'engine';

/** Why the engine decided as it did, in terms of the user's Calico resources. */
export interface Decision {
  /** One-line summary for the table, e.g. `GlobalNetworkPolicy allow-web rule 1 (Allow)`. */
  summary: string;
  /** Full explanation lines (only when explanations were requested). */
  details?: string[];
  /** Coverage key of the rule that decided, e.g. `GlobalNetworkPolicy/allow-web#ingress[0]`; undefined if no rule decided. */
  ruleKey?: string;
}

export interface RequestResult {
  request: RequestSpec;
  /** The port actually used (request.port or the destination's first port). */
  port: number;
  expected: Verdict;
  got: Verdict;
  /** What came back on the wire: `OK`, `PERMISSION_DENIED`, `UNAVAILABLE`, `HTTP 403`, `timeout`… */
  detail: string;
  decision?: Decision;
  met: boolean;
  durationMs: number;
  /** Which step (0-based index into steps) the request ran in, or undefined for the initial requests. */
  step?: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  mode: RunMode;
  results: RequestResult[];
  durationMs: number;
  /** Set when the harness could not run the scenario to the end. */
  error?: string;
  /** Notes about faults and steps, in order (shown under the table). */
  notes: string[];
}

export interface RunSummary {
  scenarios: ScenarioResult[];
  total: number;
  met: number;
  unmet: number;
  errors: number;
  durationMs: number;
}

/** Wire answers that just restate the verdict (not worth a column note). */
export const ROUTINE_DETAILS = new Set(['OK', 'PERMISSION_DENIED', 'HTTP 200', 'HTTP 403', 'connection closed']);

export function summarize(scenarios: ScenarioResult[], durationMs: number): RunSummary {
  let total = 0;
  let met = 0;
  let errors = 0;
  for (const s of scenarios) {
    total += s.results.length;
    met += s.results.filter((r) => r.met).length;
    if (s.error) errors++;
  }
  return { scenarios, total, met, unmet: total - met, errors, durationMs };
}

/** 0 = every expectation met, 1 = some unmet, 2 = a scenario could not be run. */
export function exitCodeFor(summary: RunSummary): number {
  if (summary.errors > 0) return 2;
  return summary.unmet > 0 ? 1 : 0;
}

export function describeSource(request: RequestSpec): string {
  return request.from.kind === 'workload' ? request.from.key : request.from.ip;
}
