import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadProfile } from './profile';
import { renderHtml } from './report-html';
import { formatSummary } from './report-table';
import type { BenchResult } from './results';
import { runProfile } from './runner';
import { CLINIC_TOOLS, type ClinicTool } from './sut';

export interface BenchCommandOptions {
  dikastes?: string;
  clinic?: string;
  out?: string;
  strict?: boolean;
  quiet?: boolean;
  /** Run the profile this many times and print the range of each target. */
  repeat?: string | number;
}

export interface TargetRange {
  id: string;
  description: string;
  unit: string;
  values: number[];
  min: number;
  median: number;
  max: number;
  passes: number;
}

/** Per target: every run's value, min / median / max, and how many runs met it. */
export function targetRanges(results: BenchResult[]): TargetRange[] {
  const byId = new Map<string, TargetRange>();
  for (const r of results) {
    for (const t of r.targets) {
      const range = byId.get(t.id) ?? { id: t.id, description: t.description, unit: t.unit, values: [], min: 0, median: 0, max: 0, passes: 0 };
      range.values.push(t.measured);
      if (t.pass) range.passes++;
      byId.set(t.id, range);
    }
  }
  for (const range of byId.values()) {
    const sorted = [...range.values].sort((a, b) => a - b);
    range.min = sorted[0];
    range.max = sorted[sorted.length - 1];
    range.median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }
  return [...byId.values()];
}

/** `alpsim bench <profile> --repeat N`: N full runs, each written as usual, then the ranges. */
export async function runBenchRepeated(profileFile: string, options: BenchCommandOptions): Promise<number> {
  const times = options.repeat === undefined ? 1 : Number(options.repeat);
  if (!Number.isInteger(times) || times < 1 || times > 20) throw userError(`--repeat: expected an integer from 1 to 20, got '${options.repeat}'`);
  if (times === 1) return (await runBenchCommand(profileFile, options)).code;
  const results: BenchResult[] = [];
  let code = 0;
  for (let i = 1; i <= times; i++) {
    process.stderr.write(`--- run ${i} of ${times} ---\n`);
    const run = await runBenchCommand(profileFile, options);
    results.push(run.result);
    code = Math.max(code, run.code);
  }
  const ranges = targetRanges(results);
  const lines = [`\nranges over ${times} runs (min / median / max; runs meeting the target):`];
  for (const r of ranges) {
    const f = (v: number) => (r.unit === 'MB' || r.unit === '' ? v.toFixed(0) : v.toFixed(3));
    lines.push(`  ${r.description}: ${f(r.min)} / ${f(r.median)} / ${f(r.max)} ${r.unit}; ${r.passes}/${times}`);
  }
  const outDir = path.resolve(options.out ?? path.join('bench', 'results'));
  const file = path.join(outDir, `${results[0].profile.name}-repeat-${stamp(new Date())}.json`);
  fs.writeFileSync(file, JSON.stringify({ format: 'alpsim-bench-repeat/1', runs: results.map((r) => r.files.json), ranges }, null, 2));
  process.stdout.write(`${lines.join('\n')}\nranges:  ${file}\n`);
  return code;
}

function userError(message: string): Error {
  return Object.assign(new Error(message), { userError: true });
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** `alpsim bench <profile>`: run, print the summary table, write JSON + HTML. Returns the exit code. */
export async function runBenchCommand(profileFile: string, options: BenchCommandOptions): Promise<{ code: number; result: BenchResult }> {
  if (options.clinic !== undefined && !CLINIC_TOOLS.includes(options.clinic as ClinicTool)) {
    throw userError(`--clinic: expected one of ${CLINIC_TOOLS.join(', ')}, got '${options.clinic}'`);
  }
  if (options.dikastes !== undefined && options.dikastes.trim() === '') throw userError('--dikastes: expected a command line');
  const profile = loadProfile(profileFile);
  const outDir = path.resolve(options.out ?? path.join('bench', 'results'));
  const base = `${profile.name}-${stamp(new Date())}`;
  const result = await runProfile(profile, {
    dikastesCommand: options.dikastes,
    clinic: options.clinic as ClinicTool | undefined,
    resultsDir: path.join(outDir, base),
    log: options.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`),
  });
  result.files = { json: path.join(outDir, `${base}.json`), html: path.join(outDir, `${base}.html`) };
  fs.mkdirSync(outDir, { recursive: true });
  const json = JSON.stringify(result, null, 2);
  fs.writeFileSync(result.files.json, json);
  fs.writeFileSync(path.join(outDir, `${profile.name}-latest.json`), json);
  fs.writeFileSync(result.files.html, renderHtml(result));
  // The per-run folder only matters when something (clinic) was written into it.
  const runFolder = path.join(outDir, base);
  if (fs.existsSync(runFolder) && fs.readdirSync(runFolder).length === 0) fs.rmdirSync(runFolder);
  process.stdout.write(`${formatSummary(result)}\n\nresults: ${result.files.json}\nreport:  ${result.files.html}\n`);
  if (result.clinic) process.stdout.write(`clinic:  ${result.clinic.reportDir}\n`);
  const failed = result.stores.some((s) => (s.sut && (s.sut.errors > 0 || s.sut.unexpected > 0)) || s.verdictMismatches > 0);
  const missed = result.targets.some((t) => !t.pass);
  return { code: options.strict && (failed || missed) ? 1 : 0, result };
}
