import { spawn } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';

const bin = path.resolve(__dirname, '..', '..', 'bin', 'alpsim.js');
const scenario = path.resolve(__dirname, '..', '..', '..', '..', 'scenarios', 'bookinfo.yaml');

t.test('a reader that closes the pipe early (alpsim … | head) ends the CLI quietly', async (t) => {
  const child = spawn(process.execPath, [bin, 'explain', scenario, '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Like `head -1`: read the first chunk, then close our end of the pipe.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.notMatch(stderr, /EPIPE|Unhandled 'error' event/, 'no stack trace for a closed pipe');
  t.equal(code, 0);
});
