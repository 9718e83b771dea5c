// Command line of `dikastes`, docopt-style like the real one: `server [options]` and
// `client <namespace> <account> [--method <method>] [options]`; options may appear anywhere.
import { CheckResponseType, toProto3Json } from '@alpsim/proto';
import { clientCheckRequest, sendCheck } from './client';
import { COMPAT_LEVELS, DEFAULT_COMPAT, isCompat, type Compat } from './compat';
import { createLogger } from './log';
import { DEFAULT_DIAL, DEFAULT_LISTEN, startDikastesServer } from './server';

export const VERSION = '0.1.0';

export const USAGE = `Dikastes - the decider (alpsim engine, drop-in for Calico's dikastes).

Usage:
  dikastes server [options]
  dikastes client <namespace> <account> [--method <method>] [options]

Options:
  -h --help              Show this screen.
  -l --listen <port>     Unix domain socket path [default: ${DEFAULT_LISTEN}]
  -d --dial <target>     Target to dial, a socket path or unix: URI [default: ${DEFAULT_DIAL}]
  --debug                Log at Debug level.
  --compat <level>       Behave like Calico ${COMPAT_LEVELS.join(' | ')} [default: ${DEFAULT_COMPAT}]
  --explain              Log which tier/policy/rule decided each Check.
  --version              Show version.`;

export interface ParsedArgs {
  command: 'server' | 'client' | 'help' | 'version';
  listen: string;
  dial: string;
  debug: boolean;
  explain: boolean;
  compat: Compat;
  namespace?: string;
  account?: string;
  method?: string;
}

export class UsageError extends Error {
  readonly userError = true;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const VALUE_OPTIONS: Record<string, 'listen' | 'dial' | 'compat' | 'method'> = {
  '-l': 'listen',
  '--listen': 'listen',
  '-d': 'dial',
  '--dial': 'dial',
  '--compat': 'compat',
  '--method': 'method',
};

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values: Partial<Record<'listen' | 'dial' | 'compat' | 'method', string>> = {};
  const positionals: string[] = [];
  let debug = false;
  let explain = false;
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '--version') version = true;
    else if (arg === '--debug') debug = true;
    else if (arg === '--explain') explain = true;
    else if (arg.startsWith('-') && arg !== '-') {
      let name = arg;
      let value: string | undefined;
      const eq = arg.indexOf('=');
      if (arg.startsWith('--') && eq > 0) {
        name = arg.slice(0, eq);
        value = arg.slice(eq + 1);
      } else if (!arg.startsWith('--') && arg.length > 2) {
        name = arg.slice(0, 2);
        value = arg.slice(2);
      }
      const key = VALUE_OPTIONS[name];
      if (!key) throw new UsageError(`unknown option ${arg}`);
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`option ${name} needs a value`);
        value = argv[++i];
      }
      values[key] = value;
    } else positionals.push(arg);
  }
  const compatText = values.compat ?? DEFAULT_COMPAT;
  if (!isCompat(compatText)) throw new UsageError(`--compat must be one of ${COMPAT_LEVELS.join(', ')} (got ${JSON.stringify(compatText)})`);
  const base = {
    listen: values.listen ?? DEFAULT_LISTEN,
    dial: values.dial ?? DEFAULT_DIAL,
    debug,
    explain,
    compat: compatText,
  };
  if (help) return { command: 'help', ...base };
  if (version) return { command: 'version', ...base };
  const [command, ...rest] = positionals;
  if (command === 'server') {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} for server`);
    if (values.method !== undefined) throw new UsageError('--method is only valid for client');
    return { command: 'server', ...base };
  }
  if (command === 'client') {
    if (rest.length !== 2) throw new UsageError('client needs exactly <namespace> <account>');
    return { command: 'client', ...base, namespace: rest[0], account: rest[1], method: values.method };
  }
  throw new UsageError(command === undefined ? 'missing command (server or client)' : `unknown command ${JSON.stringify(command)}`);
}

/** Run the CLI; resolves with the process exit code (the server resolves when it stops). */
export async function runCli(argv: readonly string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`dikastes: ${e.message}\n${USAGE}\n`);
      return 1;
    }
    throw e;
  }
  if (args.command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const logger = createLogger({ debug: args.debug });
  if (args.command === 'client') {
    try {
      const response = await sendCheck(args.dial, clientCheckRequest(args.namespace!, args.account!, args.method));
      logger.info(`Check response: ${JSON.stringify(toProto3Json(CheckResponseType, response as object))}`);
      return 0;
    } catch (e) {
      logger.fatal(`Failed to check: ${(e as Error).message}`);
      return 1;
    }
  }
  let server;
  try {
    server = await startDikastesServer({
      listen: args.listen,
      dial: args.dial,
      compat: args.compat,
      debug: args.debug,
      explain: args.explain,
      logger,
    });
  } catch (e) {
    logger.fatal((e as Error).message);
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info(`Got signal: ${signal}`);
  await server.close();
  // The real server (2021+) then returns from Serve with an error and exits 1 (spec §10).
  logger.fatal('failed to serve: grpc: the server has been stopped');
  return 1;
}
