// alpsim compile / alpsim felix.
import { COMPAT_VERSIONS, DEFAULT_COMPAT, ResourceSet, loadResources, type Compat, type DataplaneState } from '@alpsim/calico';
import { ToDataplaneType, toProto3Json, type ToDataplane } from '@alpsim/proto';
import { Command, Option } from 'commander';
import { joinSequence } from './processor';
import { FelixFromResources } from './runtime';
import { ResourceWatcher } from './watch';

function userError(message: string, exitCode?: number): Error {
  return Object.assign(new Error(message), { userError: true, ...(exitCode === undefined ? {} : { exitCode }) });
}

/** Checks "<ns>/<pod>" syntax. */
export function parseWorkloadKey(text: string): string {
  const parts = text.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw userError(`--workload ${JSON.stringify(text)}: expected <namespace>/<pod>`);
  return text;
}

/**
 * The pod for `--workload`: an exact "<ns>/<pod>", or "<ns>/<deployment>" naming exactly one pod
 * generated from a Deployment/StatefulSet/DaemonSet (pod name "<deployment>-…").
 */
export function resolveWorkload(state: DataplaneState, workloadKey: string): string {
  if (state.endpoints.has(workloadKey)) return workloadKey;
  const known = [...state.endpoints.keys()].sort();
  const candidates = known.filter((key) => key.startsWith(`${workloadKey}-`));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) throw userError(`workload ${workloadKey} is ambiguous; pick one of: ${candidates.join(', ')}`);
  throw userError(
    `workload ${workloadKey} not found in the resources (pods need an IP and a namespace);` +
      ` known workloads: ${known.length ? known.join(', ') : '(none)'}`,
  );
}

/** Proto3 JSON of each message, as `alpsim compile` prints them. */
export function compileToJson(messages: ToDataplane[]): Record<string, unknown>[] {
  return messages.map((m) => toProto3Json(ToDataplaneType, m));
}

/** What `alpsim compile` prints: the resolved workload and its join sequence as proto3 JSON. */
export async function compileWorkload(
  inputs: string[],
  workload: string,
  compat: Compat = '3.2',
): Promise<{ workloadKey: string; messages: Record<string, unknown>[] }> {
  const resources = await loadResources(inputs, { compat });
  const state = new ResourceSet({ compat }, resources).compute();
  const workloadKey = resolveWorkload(state, parseWorkloadKey(workload));
  return { workloadKey, messages: compileToJson(joinSequence(state, workloadKey)) };
}

const compatOption = () =>
  new Option('--compat <version>', 'Felix/Calico era to imitate').choices([...COMPAT_VERSIONS]).default(DEFAULT_COMPAT);

export function registerFelixCommands(program: Command): void {
  program
    .command('compile')
    .description(
      'print, as proto3 JSON, the exact ToDataplane sequence a newly connected Dikastes for --workload receives ' +
        '(IP sets, policies, profiles, endpoint, service accounts, namespaces, InSync)',
    )
    .argument('<resources...>', "resource files, directories or globs ('-' = stdin)")
    .requiredOption('--workload <ns/pod>', 'the workload whose Dikastes connects')
    .addOption(compatOption())
    .addOption(new Option('--format <format>', 'ndjson: one message per line; array: one JSON array').choices(['ndjson', 'array']).default('ndjson'))
    .action(async (inputs: string[], opts: { workload: string; compat: Compat; format: 'ndjson' | 'array' }) => {
      const { messages: json } = await compileWorkload(inputs, opts.workload, opts.compat);
      process.stdout.write(opts.format === 'array' ? JSON.stringify(json, null, 2) + '\n' : json.map((m) => JSON.stringify(m)).join('\n') + '\n');
    });

  program
    .command('felix')
    .description('serve felix.PolicySync on Unix sockets from Calico/Kubernetes resource files, for a real or alpsim Dikastes')
    .argument('<resources...>', "resource files, directories or globs ('-' = stdin)")
    .option('--prefix <dir>', 'binder layout: serve <dir>/mount/<uid>/socket for each <dir>/creds/<uid>.json')
    .option('--socket <path>', 'one socket, bound to --workload')
    .option('--workload <ns/pod>', 'the workload served on --socket')
    .option('--watch', 're-validate and apply edited files as incremental updates')
    .option('--max-buffered <n>', 'per-client bound on pending messages of earlier batches', '100')
    .option('-q, --quiet', 'only report errors and rejected edits')
    .addOption(compatOption())
    .action(async (inputs: string[], opts: FelixCommandOptions) => {
      await runFelixCommand(inputs, opts);
    });
}

interface FelixCommandOptions {
  prefix?: string;
  socket?: string;
  workload?: string;
  watch?: boolean;
  maxBuffered: string;
  quiet?: boolean;
  compat: Compat;
}

async function runFelixCommand(inputs: string[], opts: FelixCommandOptions): Promise<void> {
  if (!opts.prefix === !opts.socket) throw userError('give exactly one of --prefix <dir> or --socket <path> --workload <ns/pod>');
  if (opts.socket && !opts.workload) throw userError('--socket needs --workload <ns/pod>');
  if (opts.prefix && opts.workload) throw userError('--workload goes with --socket; with --prefix the creds files name the workloads');
  const maxBufferedMessages = Number(opts.maxBuffered);
  if (!Number.isInteger(maxBufferedMessages) || maxBufferedMessages < 1) throw userError(`--max-buffered ${opts.maxBuffered}: expected a positive integer`);
  let workloadKey = opts.workload ? parseWorkloadKey(opts.workload) : undefined;
  const say = (line: string) => process.stderr.write(`alpsim felix: ${line}\n`);
  const info = opts.quiet ? () => undefined : say;

  const felix = await FelixFromResources.fromFiles(inputs, { compat: opts.compat, maxBufferedMessages, log: info });
  if (workloadKey) {
    try {
      workloadKey = resolveWorkload(felix.state, workloadKey);
    } catch (error) {
      if (/ambiguous/.test((error as Error).message)) throw error;
      say(`warning: ${workloadKey} is not in the resources yet; its Dikastes gets service accounts, namespaces and InSync only`);
    }
  }
  if (opts.socket) {
    await felix.listenWorkload(workloadKey!, opts.socket);
    info(`serving ${workloadKey} on ${opts.socket}`);
  } else {
    info(`binder layout under ${opts.prefix}: ${opts.prefix}/creds/<uid>.json -> ${opts.prefix}/mount/<uid>/socket`);
  }
  if (opts.prefix) await felix.listenBinder(opts.prefix);

  let watcher: ResourceWatcher | undefined;
  if (opts.watch) {
    watcher = new ResourceWatcher(felix, inputs, (event) => {
      if (event.outcome === 'rejected') say(`rejected edit of ${event.file}; the last good state keeps serving:\n${event.detail}`);
      else info(`${event.outcome} ${event.file} (${event.detail})`);
    });
    await watcher.start();
  }
  info(`ready: ${felix.resources.length} resources, ${felix.state.endpoints.size} workloads, compat ${opts.compat}`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await watcher?.stop();
  await felix.close();
  info('stopped');
}
