// The point of running on kind: does the real cluster agree with alpsim's engine? Every kind verdict
// is compared with the in-process evaluation of the same scenario (same steps, faults skipped).
import { evaluateInProcess, type ResolvedScenario, type ScenarioResult } from '@alpsim/scenario';

export interface EngineComparison {
  compared: number;
  /** One line per request whose kind verdict differs from the engine's. */
  differences: string[];
}

export function compareWithEngine(resolved: ResolvedScenario, kind: ScenarioResult): EngineComparison {
  const engine = evaluateInProcess(resolved, { explain: false });
  const byId = new Map(engine.results.map((r) => [r.request.id, r]));
  const differences: string[] = [];
  let compared = 0;
  for (const r of kind.results) {
    const e = byId.get(r.request.id);
    if (!e) continue;
    compared++;
    if (e.got !== r.got) {
      differences.push(`"${r.request.name}" (${r.request.id}): kind ${r.got} (${r.detail}), alpsim engine ${e.got}${e.decision ? ` — ${e.decision.summary}` : ''}`);
    }
  }
  return { compared, differences };
}

/** Notes for the table: agreement count, then each difference. */
export function comparisonNotes(c: EngineComparison): string[] {
  if (c.compared === 0) return [];
  const agree = c.compared - c.differences.length;
  return [`alpsim's engine agrees on ${agree}/${c.compared} verdicts`, ...c.differences.map((d) => `differs from alpsim: ${d}`)];
}
