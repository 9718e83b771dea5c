/**
 * Child-process entry of the no-op floor server: `node floor-main.js <socket>`.
 * Prints "ready" once listening; exits cleanly on SIGTERM/SIGINT.
 */
import { startNoopAuthzServer } from './floor-server';

async function main(): Promise<void> {
  const socketPath = process.argv[2];
  if (!socketPath) throw new Error('usage: floor-main <socket path>');
  const server = await startNoopAuthzServer(socketPath);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`floor server: ${(error as Error).message}\n`);
  process.exit(1);
});
