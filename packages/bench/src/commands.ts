import type { Command } from 'commander';
import { compareResults, formatComparison, parseThreshold, readResult } from './compare';
import { runBenchRepeated } from './run-command';

/** Registers `alpsim bench <profile>` and `alpsim bench compare <a.json> <b.json>`. */
export function registerBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('Run a performance profile (bench/profiles/*.yaml) against dikastes, or compare two result files')
    .argument('[profile]', 'profile YAML, e.g. bench/profiles/scaling.yaml')
    .option('--dikastes <cmd>', 'system under test command line (default: our dikastes); "server -l <sock> -d <sock>" is appended unless it contains {listen}/{dial}')
    .option('--clinic <tool>', 'run the system under test under clinic: doctor, flame, bubbleprof or heapprofiler')
    .option('--out <dir>', 'results folder', 'bench/results')
    .option('--strict', 'exit 1 when a target is missed or a Check failed')
    .option('--quiet', 'no progress lines')
    .option('--repeat <n>', 'run the profile n times and print each target\'s range (min / median / max)')
    .action(async (profile: string | undefined, opts: { dikastes?: string; clinic?: string; out?: string; strict?: boolean; quiet?: boolean; repeat?: string }) => {
      if (!profile) throw Object.assign(new Error('bench: expected a profile file (e.g. bench/profiles/tiny.yaml) or "compare"'), { userError: true });
      process.exitCode = await runBenchRepeated(profile, opts);
    });
  bench
    .command('compare')
    .description('Compare two bench result files; exit 1 when the second is worse than the first beyond the threshold')
    .argument('<before>', 'baseline result JSON')
    .argument('<after>', 'new result JSON')
    .option('--threshold <percent>', 'allowed worsening per metric', '10%')
    .action((before: string, after: string, opts: { threshold: string }) => {
      const threshold = parseThreshold(opts.threshold);
      const comparison = compareResults(readResult(before), readResult(after), threshold);
      process.stdout.write(`${formatComparison(comparison)}\n`);
      process.exitCode = comparison.regressions.length > 0 ? 1 : 0;
    });
}
