import * as path from 'node:path';
import { loadScenarios } from '../src/discover';
import { resolveScenario, type ResolvedScenario } from '../src/resolve';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const scenariosDir = path.join(repoRoot, 'scenarios');
export const fixtures = path.resolve(__dirname, '..', '..', 'test', 'fixtures');

export async function resolved(file: string): Promise<ResolvedScenario[]> {
  const scenarios = await loadScenarios([file]);
  return Promise.all(scenarios.map(resolveScenario));
}

/** `from → to:port METHOD path` of each result, with its verdict. */
export function verdicts(results: { request: { from: { kind: string; key?: string; ip?: string }; to: string; method: string; path: string }; port: number; got: string }[]): string[] {
  return results.map((r) => `${r.request.from.kind === 'workload' ? r.request.from.key : r.request.from.ip} → ${r.request.to}:${r.port} ${r.request.method} ${r.request.path} = ${r.got}`);
}
