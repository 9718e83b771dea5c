// Entry point of the image's /healthz (see Dockerfile and healthz.ts). Exit status as Calico's
// healthz: 0 healthy, 1 usage error, 2 RPC error, 3 unhealthy.
import { checkHealth, parseHealthzArgs } from './healthz';

async function main(): Promise<number> {
  let args;
  try {
    args = parseHealthzArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`healthz: ${(error as Error).message}\n`);
    return 1;
  }
  const result = await checkHealth(args);
  if (result.error !== undefined) {
    process.stderr.write(`healthz: ${args.probe} check failed: ${result.error}\n`);
    return 2;
  }
  if (!result.healthy) process.stderr.write(`healthz: ${args.probe}: not healthy\n`);
  return result.healthy ? 0 : 3;
}

void main().then((code) => process.exit(code));
