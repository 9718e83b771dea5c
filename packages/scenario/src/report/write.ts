import * as fs from 'node:fs';
import type { RunSummary } from '../results';
import { renderReport, type ReporterName } from './reporters';
import { renderScenarioTable } from './table';

/**
 * Where a run's report goes besides the table on stdout (the caller's): a non-table reporter to
 * `out` or else stdout; with the table reporter and `out`, the plain (uncoloured) tables to the file.
 */
export function writeReport(summary: RunSummary, opts: { reporter: ReporterName; out?: string; explain?: boolean }): void {
  if (opts.reporter !== 'table') {
    const text = renderReport(opts.reporter, summary);
    if (opts.out) fs.writeFileSync(opts.out, text);
    else process.stdout.write(text);
  } else if (opts.out) {
    fs.writeFileSync(opts.out, summary.scenarios.map((r) => renderScenarioTable(r, { color: false, explain: opts.explain === true })).join('\n\n') + '\n');
  }
}
