// Entry point of the image's /healthz (see Dockerfile and healthz.ts).
import { checkHealth, parseHealthzArgs } from './healthz';

async function main(): Promise<number> {
  let args;
  try {
    args = parseHealthzArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`healthz: ${(error as Error).message}\n`);
    return 2;
  }
  const result = await checkHealth(args);
  if (!result.healthy) process.stderr.write(`healthz: ${args.probe} failed${result.error ? `: ${result.error}` : ''}\n`);
  return result.healthy ? 0 : 1;
}

void main().then((code) => process.exit(code));
