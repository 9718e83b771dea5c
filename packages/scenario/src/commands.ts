import { loadResources, type LoadedResource } from '@alpsim/calico';
import { Command, Option } from 'commander';
import { computeCoverage, renderCoverage } from './coverage';
import { diffPolicies, renderDiff, type DiffReport } from './diff';
import { evaluateInProcess } from './engine-run';
import { ScenarioError } from './errors';
import { createProgress } from './progress';
import { REPORTERS, type ReporterName } from './report/reporters';
import { writeReport } from './report/write';
import { renderScenarioTable, renderSummaryLine } from './report/table';
import { exitCodeFor, summarize, type RunMode, type ScenarioResult } from './results';
import { resolveAll, type ResolvedScenario } from './resolve';
import { runScenario, type FullTransportFactory } from './run/scenario-run';
import { createFullTransport } from './run/full-transport';

interface RunCommandOptions {
  mode: 'full' | 'direct';
  reporter: ReporterName;
  out?: string;
  explain?: boolean;
  coverage?: boolean;
  dikastes?: string;
  webhook?: string;
  keyType?: 'rsa' | 'ec';
  authzTimeout?: string;
  authzApi?: 'v2' | 'v2alpha' | 'v3';
  concurrency?: string;
  progress: boolean;
  color?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

function useColor(opts: { color?: boolean }): boolean {
  if (opts.color === false || process.env.NO_COLOR) return false;
  return process.stdout.isTTY === true;
}

/** Every resource a scenario ever has (initial + applied in steps): the coverage universe. */
function everyResource(r: ResolvedScenario): LoadedResource[] {
  const all = [...r.resources];
  for (const s of r.steps) if (s.kind === 'apply') all.push(...s.resources);
  return all;
}

function emit(results: ScenarioResult[], resolved: ResolvedScenario[], opts: RunCommandOptions, durationMs: number): void {
  const summary = summarize(results, durationMs);
  const color = useColor(opts);
  const tableToStdout = opts.reporter === 'table' || opts.out !== undefined;
  if (tableToStdout) {
    for (const result of results) {
      process.stdout.write(renderScenarioTable(result, { color, explain: opts.explain === true, onlyUnmet: opts.quiet === true }) + '\n');
      if (opts.coverage) {
        const r = resolved.find((x) => x.scenario === result.scenario)!;
        process.stdout.write(renderCoverage(computeCoverage(result, everyResource(r))) + '\n');
      }
      process.stdout.write('\n');
    }
    process.stdout.write(renderSummaryLine(summary, { color }) + '\n');
  }
  writeReport(summary, opts);
  process.exitCode = exitCodeFor(summary);
}


export async function runCommand(paths: string[], opts: RunCommandOptions): Promise<ScenarioResult[]> {
  const started = performance.now();
  const resolved = await resolveAll(paths);
  const total = resolved.reduce((n, r) => n + r.requests.length + r.steps.filter((s) => s.kind === 'request').length, 0);
  const progress = createProgress(total, { enabled: opts.progress, minimum: opts.mode === 'full' ? 100 : 300 });
  const concurrency = opts.concurrency !== undefined ? Number(opts.concurrency) : undefined;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new ScenarioError(`--concurrency: expected a positive integer, got ${opts.concurrency}`);
  }
  const authzTimeoutMs = opts.authzTimeout !== undefined ? Number(opts.authzTimeout) : undefined;
  if (authzTimeoutMs !== undefined && (!Number.isInteger(authzTimeoutMs) || authzTimeoutMs < 1)) {
    throw new ScenarioError(`--authz-timeout: expected a positive integer (milliseconds), got ${opts.authzTimeout}`);
  }
  const factory: FullTransportFactory | undefined = opts.mode === 'full' ? createFullTransport : undefined;
  const results: ScenarioResult[] = [];
  try {
    for (const r of resolved) {
      results.push(
        await runScenario(
          r,
          {
            mode: opts.mode,
            dikastesCommand: opts.dikastes,
            webhookCommand: opts.webhook,
            keyType: opts.keyType,
            authzTimeoutMs,
            authzApi: opts.authzApi,
            explain: opts.explain === true,
            concurrency,
            onRequestDone: () => progress.tick(),
            log: opts.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
          },
          factory,
        ),
      );
    }
  } finally {
    progress.stop();
  }
  emit(results, resolved, opts, performance.now() - started);
  return results;
}

function reporterOption(): Option {
  return new Option('--reporter <name>', 'output format').choices(REPORTERS as unknown as string[]).default('table');
}

export function registerScenarioCommands(program: Command): void {
  program
    .command('run')
    .description('run scenarios end to end (default: the quickstart) and compare every verdict with its expectation')
    .argument('[paths...]', 'scenario files, directories or globs')
    .addOption(new Option('--mode <mode>', 'full: real proxies and mTLS; direct: CheckRequests straight to each Dikastes').choices(['full', 'direct']).default('full'))
    .addOption(reporterOption())
    .option('--out <file>', 'write the report to a file (the table still goes to stdout)')
    .option('--explain', 'show which tier/policy/rule decided each verdict, and why earlier rules did not match')
    .option('--coverage', 'per policy rule, how many requests it decided; rules never hit are listed')
    .option('--dikastes <command>', 'run this command as Dikastes (gets `server -l <sock> -d socket`, cwd = the Felix socket folder)')
    .option('--webhook <command>', 'run this command as the pilot-webhook (gets `<socket path>`)')
    .addOption(new Option('--key-type <type>', 'key type of the CA and SVIDs in full mode (rsa = Istio 0.7\'s RSA-2048, slower)').choices(['ec', 'rsa']).default('ec'))
    .addOption(new Option('--authz-api <version>', 'ext_authz service to call (default by compat: v2alpha for 3.2, v3 otherwise; v2 for 2018 preview binaries)').choices(['v2', 'v2alpha', 'v3']))
    .option('--authz-timeout <ms>', 'ext_authz gRPC timeout of the proxies (and of direct-mode Checks); default 200 as in Envoy')
    .option('--concurrency <n>', 'requests in flight at once (default 32 direct, 8 full)')
    .option('--no-progress', 'never show a progress bar')
    .option('--no-color', 'plain output')
    .option('--quiet', 'table rows only for unmet expectations (the summary line stays)')
    .option('--verbose', 'log harness events (Felix joins, process starts, proxy access logs) to stderr')
    .action(async (paths: string[], opts: RunCommandOptions) => {
      await runCommand(paths, opts);
    });

  program
    .command('explain')
    .description('for every request of the scenarios: the verdict of alpsim\'s engine, the rule that decided it, and why each earlier rule did not match (in-process, no sockets)')
    .argument('[paths...]', 'scenario files, directories or globs')
    .addOption(reporterOption())
    .option('--out <file>', 'write the report to a file')
    .option('--coverage', 'per policy rule, how many requests it decided')
    .option('--no-color', 'plain output')
    .action(async (paths: string[], opts: RunCommandOptions) => {
      const started = performance.now();
      const resolved = await resolveAll(paths);
      const results = resolved.map((r) => evaluateInProcess(r, { explain: true }));
      emit(results, resolved, { ...opts, explain: true, mode: 'direct', progress: false }, performance.now() - started);
    });

  program
    .command('diff')
    .description('which requests change verdict between two policy versions (the pre-deployment impact report)')
    .argument('<scenario>', 'scenario file (its workloads and requests; its policies are replaced by each version)')
    .requiredOption('--before <resources...>', 'policy files/dirs/globs of the current version')
    .requiredOption('--after <resources...>', 'policy files/dirs/globs of the new version')
    .option('--generate', 'instead of the scenario requests: every workload pair × each method/path named in any policy')
    .option('--json', 'machine-readable output')
    .action(async (scenarioPath: string, opts: { before: string[]; after: string[]; generate?: boolean; json?: boolean }) => {
      const resolved = await resolveAll([scenarioPath]);
      const reports: DiffReport[] = [];
      for (const r of resolved) {
        const before = await loadResources(opts.before, { compat: r.scenario.compat });
        const after = await loadResources(opts.after, { compat: r.scenario.compat });
        reports.push(diffPolicies(r, before, after, { generate: opts.generate === true }));
      }
      if (opts.json) {
        const json = reports.map((rep) => ({
          scenario: rep.scenario,
          compared: rep.compared,
          changes: rep.changes.map((c) => ({
            from: c.before.request.from.kind === 'workload' ? c.before.request.from.key : c.before.request.from.ip,
            to: c.before.request.to,
            port: c.before.port,
            method: c.before.request.method,
            path: c.before.request.path,
            before: c.before.got,
            after: c.after.got,
            beforeDecidedBy: c.before.decision?.summary ?? null,
            afterDecidedBy: c.after.decision?.summary ?? null,
          })),
        }));
        process.stdout.write(JSON.stringify(json, null, 2) + '\n');
      } else {
        process.stdout.write(reports.map(renderDiff).join('\n\n') + '\n');
      }
      // Like diff(1): 1 when something changes, so CI can gate on it.
      process.exitCode = reports.some((r) => r.changes.length > 0) ? 1 : 0;
    });
}

export type { RunMode };
