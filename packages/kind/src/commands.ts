// `alpsim kind export` and `alpsim kind run`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import {
  exitCodeFor,
  renderScenarioTable,
  renderSummaryLine,
  resolveAll,
  summarize,
  writeReport,
  REPORTERS,
  type ReporterName,
  type ResolvedScenario,
  type ScenarioResult,
} from '@alpsim/scenario';
import { DEFAULT_SETTLE_SECONDS, exportScenario, type ExportOptions, type KindExport } from './export';
import { Kubectl } from './kubectl';
import { checkCluster, runExportedScenario } from './run';
import { compareWithEngine, comparisonNotes } from './compare';
import { loadVersions } from './versions';
import { writeExport } from './write';

function userError(message: string, exitCode?: number): Error {
  return Object.assign(new Error(message), { userError: true, ...(exitCode !== undefined ? { exitCode } : {}) });
}

interface CommonOptions {
  dikastesImage?: string;
  useAlpsimImages?: boolean;
  settle: string;
}

function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw userError(`${flag}: expected a number of seconds, got ${JSON.stringify(text)}`);
  return n;
}

function exportOptions(opts: CommonOptions): ExportOptions {
  if (opts.dikastesImage !== undefined && !opts.dikastesImage.trim()) throw userError('--dikastes-image: expected an image reference');
  return {
    versions: loadVersions(),
    dikastesImage: opts.dikastesImage,
    useAlpsimImages: opts.useAlpsimImages === true,
    settleSeconds: positiveNumber(opts.settle, '--settle'),
  };
}

/** One sub-directory per scenario when a run holds several. */
function scenarioDir(root: string, resolved: ResolvedScenario[], r: ResolvedScenario, index: number): string {
  if (resolved.length === 1) return root;
  const safe = r.scenario.name.replace(/[^A-Za-z0-9._-]+/g, '-');
  return path.join(root, `${String(index + 1).padStart(2, '0')}-${safe}`);
}

export async function exportCommand(paths: string[], opts: CommonOptions & { out: string }): Promise<KindExport[]> {
  const resolved = await resolveAll(paths);
  const options = exportOptions(opts);
  const exports: KindExport[] = [];
  resolved.forEach((r, i) => {
    const exp = exportScenario(r, options);
    const dir = scenarioDir(opts.out, resolved, r, i);
    const files = writeExport(exp, dir);
    process.stdout.write(`${r.scenario.name}: ${files.length} files in ${dir}\n`);
    for (const w of exp.warnings) process.stderr.write(`alpsim: warning: ${r.scenario.name}: ${w}\n`);
    exports.push(exp);
  });
  return exports;
}

interface RunOptions extends CommonOptions {
  context?: string;
  manifests?: string;
  timeout: string;
  keep?: boolean;
  reporter: ReporterName;
  out?: string;
  color?: boolean;
  verbose?: boolean;
}

export async function kindRunCommand(paths: string[], opts: RunOptions): Promise<ScenarioResult[]> {
  const started = performance.now();
  const resolved = await resolveAll(paths);
  const options = exportOptions(opts);
  const context = opts.context ?? `kind-${options.versions.KIND_CLUSTER_NAME}`;
  const kubectl = new Kubectl(context);
  const timeoutSeconds = positiveNumber(opts.timeout, '--timeout');
  await checkCluster(kubectl, context);
  const root = opts.manifests ?? fs.mkdtempSync(path.join(os.tmpdir(), 'alpsim-kind-'));
  const results: ScenarioResult[] = [];
  for (const [i, r] of resolved.entries()) {
    const exp = exportScenario(r, options);
    const dir = scenarioDir(root, resolved, r, i);
    writeExport(exp, dir);
    const log = opts.verbose ? (line: string) => process.stderr.write(`${r.scenario.name}: ${line}\n`) : undefined;
    const result = await runExportedScenario(r, exp, { kubectl, dir, timeoutSeconds, keep: opts.keep === true, log });
    result.notes.push(...comparisonNotes(compareWithEngine(r, result)));
    result.notes.push(`ran on kubectl context ${context}; manifests in ${dir}`);
    results.push(result);
  }
  const summary = summarize(results, performance.now() - started);
  const color = opts.color !== false && !process.env.NO_COLOR && process.stdout.isTTY === true;
  if (opts.reporter === 'table' || opts.out !== undefined) {
    for (const result of results) process.stdout.write(renderScenarioTable(result, { color, explain: false }) + '\n\n');
    process.stdout.write(renderSummaryLine(summary, { color }) + '\n');
  }
  writeReport(summary, { reporter: opts.reporter, out: opts.out });
  process.exitCode = exitCodeFor(summary);
  return results;
}

function imageOptions(cmd: Command): Command {
  return cmd
    .option('--dikastes-image <image>', 'image of the injected dikastes container for the scenario pods (default: the cluster\'s, Calico\'s upstream image)')
    .option('--use-alpsim-images', 'run our dikastes (ALPSIM_IMAGE from scripts/kind/versions.env, with the scenario\'s --compat) instead of Calico\'s')
    .option('--settle <seconds>', 'seconds each request Job waits before its first request, for policy to reach Felix and Dikastes', String(DEFAULT_SETTLE_SECONDS));
}

export function registerKindCommands(program: Command): void {
  const kind = program.command('kind').description('the same scenarios on a kind cluster set up as Calico\'s docs install ALP (scripts/kind/up)');

  imageOptions(
    kind
      .command('export')
      .description('write Kubernetes manifests for a scenario: namespaces, service accounts, policies, echo workloads, request Jobs')
      .argument('<scenario...>', 'scenario files, directories or globs')
      .requiredOption('--out <dir>', 'output directory (one sub-directory per scenario when there are several)'),
  ).action(async (paths: string[], opts: CommonOptions & { out: string }) => {
    await exportCommand(paths, opts);
  });

  imageOptions(
    kind
      .command('run')
      .description('apply a scenario to the kind cluster, run its requests from pods with the sources\' identities, and report like `alpsim run`')
      .argument('<scenario...>', 'scenario files, directories or globs')
      .option('--context <name>', 'kubectl context (default: kind-<KIND_CLUSTER_NAME>)')
      .option('--manifests <dir>', 'where to write the manifests (default: a temporary directory)')
      .option('--timeout <seconds>', 'limit for pods to become Ready and for each round of request Jobs', '300')
      .option('--keep', 'leave the scenario\'s objects in the cluster')
      .addOption(new Option('--reporter <name>', 'output format').choices(REPORTERS as unknown as string[]).default('table'))
      .option('--out <file>', 'write the report to a file (the table still goes to stdout)')
      .option('--no-color', 'plain output')
      .option('--verbose', 'log kubectl steps to stderr'),
  ).action(async (paths: string[], opts: RunOptions) => {
    await kindRunCommand(paths, opts);
  });
}
