import { Command, CommanderError } from 'commander';
import { registerAll } from './commands';

/** Errors caused by the user's input carry `userError: true` and are printed without a stack. */
export function isUserError(error: unknown): error is Error & { exitCode?: number } {
  return typeof error === 'object' && error !== null && (error as { userError?: unknown }).userError === true;
}

export function buildProgram(): Command {
  const program = new Command('alpsim')
    .description('Data-plane simulator and test harness for Calico Application Layer Policy')
    .showHelpAfterError()
    .exitOverride();
  registerAll(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (isUserError(error)) {
      process.stderr.write(`alpsim: ${error.message}\n`);
      return error.exitCode ?? 2;
    }
    process.stderr.write(`alpsim: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 2;
  }
}
