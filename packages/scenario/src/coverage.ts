import type { LoadedResource } from '@alpsim/calico';
import { allRuleKeys } from './explain';
import type { ScenarioResult } from './results';

export interface CoverageRow {
  rule: string;
  hits: number;
}

export interface Coverage {
  scenario: string;
  rows: CoverageRow[];
  /** Rules of the scenario's policies that decided no request. */
  neverHit: string[];
  /** Requests decided by something other than a policy rule (profiles, end of tier, faults). */
  otherDecisions: Map<string, number>;
}

/** Per policy rule, how many requests it decided (over every resource the scenario ever had). */
export function computeCoverage(result: ScenarioResult, everyResource: readonly LoadedResource[]): Coverage {
  const universe = allRuleKeys(everyResource);
  const hits = new Map<string, number>(universe.map((k) => [k, 0]));
  const other = new Map<string, number>();
  for (const r of result.results) {
    const key = r.decision?.ruleKey;
    if (key && !key.startsWith('profile ')) hits.set(key, (hits.get(key) ?? 0) + 1);
    else {
      const label = key ?? (r.decision?.summary ?? 'unknown').replace(/\(.*$/, '').trim();
      other.set(label, (other.get(label) ?? 0) + 1);
    }
  }
  const rows = [...hits.entries()].map(([rule, n]) => ({ rule, hits: n }));
  return { scenario: result.scenario.name, rows, neverHit: rows.filter((r) => r.hits === 0).map((r) => r.rule), otherDecisions: other };
}

export function renderCoverage(c: Coverage): string {
  const lines = [`coverage of ${c.scenario}: ${c.rows.length - c.neverHit.length}/${c.rows.length} policy rules decided at least one request`];
  const width = Math.max(4, ...c.rows.map((r) => r.rule.length), ...[...c.otherDecisions.keys()].map((k) => k.length));
  for (const row of c.rows) lines.push(`  ${row.rule.padEnd(width)}  ${String(row.hits).padStart(5)}`);
  for (const [label, n] of c.otherDecisions) lines.push(`  ${label.padEnd(width)}  ${String(n).padStart(5)}  (not a policy rule)`);
  if (c.neverHit.length) {
    lines.push('  never hit:');
    for (const rule of c.neverHit) lines.push(`    ${rule}`);
  }
  return lines.join('\n');
}
