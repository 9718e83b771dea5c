import { describeSource, ROUTINE_DETAILS, type RunSummary, type ScenarioResult } from '../results';

export interface TableOptions {
  color: boolean;
  /** Print every explanation line under its row. */
  explain: boolean;
  /** Print only the rows whose expectation was not met. */
  onlyUnmet?: boolean;
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** The verdict table of one scenario: from → to, method path, expected, got, decided by, ✓/✗. */
export function renderScenarioTable(result: ScenarioResult, opts: TableOptions): string {
  const paint = (code: string, text: string) => (opts.color ? `${code}${text}${RESET}` : text);
  const header = ['', 'from → to', 'method path', 'expected', 'got', 'decided by'];
  const rows = result.results.map((r) => [
    r.met ? '✓' : '✗',
    `${describeSource(r.request)} → ${r.request.to}:${r.port}`,
    `${r.request.method} ${truncate(r.request.path, 40)}`,
    r.expected,
    ROUTINE_DETAILS.has(r.detail) ? r.got : `${r.got} (${r.detail})`,
    truncate(r.decision?.summary ?? '', 70),
  ]);
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((row) => width(row[i]))));
  const lines: string[] = [];
  const met = result.results.filter((r) => r.met).length;
  lines.push(
    paint(BOLD, `${result.scenario.name}`) +
      paint(DIM, ` (${result.scenario.file}, ${result.mode} mode, compat ${result.scenario.compat}) — ${met}/${result.results.length} met in ${result.durationMs.toFixed(0)} ms`),
  );
  lines.push(paint(DIM, header.map((h, i) => pad(h, widths[i])).join('  ').trimEnd()));
  result.results.forEach((r, index) => {
    if (opts.onlyUnmet && r.met) return;
    const row = rows[index];
    const cells = row.map((cell, i) => pad(cell, widths[i]));
    cells[0] = paint(r.met ? GREEN : RED, cells[0]);
    if (!r.met) cells[4] = paint(RED, cells[4]);
    const stepMark = r.step !== undefined ? paint(DIM, `  [step ${r.step + 1}]`) : '';
    lines.push(cells.join('  ').trimEnd() + stepMark);
    if (opts.explain && r.decision?.details) {
      for (const detail of r.decision.details) lines.push(paint(DIM, `      ${detail}`));
    }
  });
  for (const note of result.notes) lines.push(paint(DIM, `  · ${note}`));
  if (result.error) lines.push(paint(RED, `  harness failure: ${result.error}`));
  return lines.join('\n');
}

export function renderSummaryLine(summary: RunSummary, opts: { color: boolean }): string {
  const paint = (code: string, text: string) => (opts.color ? `${code}${text}${RESET}` : text);
  const parts = [`${summary.met}/${summary.total} expectations met`];
  if (summary.unmet > 0) parts.push(paint(RED, `${summary.unmet} unmet`));
  if (summary.errors > 0) parts.push(paint(RED, `${summary.errors} scenario(s) failed to run`));
  parts.push(`${summary.scenarios.length} scenario(s) in ${(summary.durationMs / 1000).toFixed(2)} s`);
  return parts.join(', ');
}
