// Listen socket handling like the real one (spec §1.2): stale file removed, mode 0777, removed on close.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDikastesServer } from '../src/index';
import { tempDir } from './helpers/fake-felix';
import { request } from './helpers/build';
import { startHarness } from './helpers/harness';
import { sendCheck } from '../src/index';

t.test('a stale file at the listen path is replaced; socket mode 0777; removed on close', async (t) => {
  const dir = tempDir(t);
  const listen = path.join(dir, 'd.sock');
  fs.writeFileSync(listen, 'stale regular file');
  const server = await startDikastesServer({ listen, dial: path.join(dir, 'absent.sock') });
  const st = fs.statSync(listen);
  t.ok(st.isSocket(), 'now a socket');
  t.equal(st.mode & 0o777, 0o777, 'mode 0777');
  const res = await sendCheck(listen, request());
  t.equal(res.status?.code, 14, 'serving (not in sync)');
  await server.close();
  t.notOk(fs.existsSync(listen), 'socket removed on close');
});

t.test('a stale socket left by a crashed process is replaced', async (t) => {
  const h1 = await startHarness(t);
  // Simulate a crash: the socket file stays; start another server on the same path.
  const server = await startDikastesServer({ listen: h1.socket, dial: path.join(h1.dir, 'absent.sock') });
  t.teardown(() => server.close());
  t.equal((await sendCheck(h1.socket, request())).status?.code, 14);
});

t.test('listen accepts a unix: URI', async (t) => {
  const dir = tempDir(t);
  const listen = path.join(dir, 'u.sock');
  const server = await startDikastesServer({ listen: `unix://${listen}`, dial: `unix:${path.join(dir, 'f.sock')}` });
  t.teardown(() => server.close());
  t.equal(server.listenPath, listen);
  t.ok(fs.statSync(listen).isSocket());
  t.equal((await sendCheck(`unix:${listen}`, request())).status?.code, 14);
});

t.test('an unusable listen path is a clear error', async (t) => {
  const dir = tempDir(t);
  await t.rejects(startDikastesServer({ listen: path.join(dir, 'no', 'such', 'dir', 'd.sock'), dial: 'x' }), /failed to listen on/);
});
