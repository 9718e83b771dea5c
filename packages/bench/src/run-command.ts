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
