// Entry point of the `dikastes` bin (packages/dikastes/bin/dikastes.js requires this file).
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`dikastes: ${(e as Error).message ?? String(e)}\n`);
    process.exit(1);
  },
);
