// The `dikastes` bin as a child process: server, client, signals and argument errors (spec §1.1, §10).
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, sendCheck } from '../src/index';
import { endpoint, inSync, policy, request } from './helpers/build';
import { FakeFelix, tempDir, waitFor } from './helpers/fake-felix';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'dikastes.js');

function startBin(args: string[], cwd?: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

t.test('server: serves Check once Felix is in sync; SIGTERM removes the socket', async (t) => {
  const dir = tempDir(t);
  const felix = new FakeFelix(path.join(dir, 'felix.sock'));
  felix.script = [policy('p', [{ action: 'allow', httpMatch: { methods: ['GET'] } }]), endpoint({ tiers: [{ ingress: ['p'] }] }), inSync];
  await felix.listen();
  t.teardown(() => felix.close());
  const listen = path.join(dir, 'd.sock');
  fs.writeFileSync(listen, 'stale');
  const proc = startBin(['server', '-l', listen, '-d', `unix:${felix.socketPath}`, '--debug']);
  t.teardown(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });
  await waitFor(() => /in sync/.test(proc.output()), 10000, 'server in sync');
  const st = fs.statSync(listen);
  t.ok(st.isSocket());
  t.equal(st.mode & 0o777, 0o777);
  for (const v of ['v3', 'v2', 'v2alpha'] as const) {
    t.equal((await sendCheck(listen, request(), { apiVersion: v })).status?.code, 0, v);
  }
  t.equal((await sendCheck(listen, request({ method: 'PUT' }))).status?.code, 7);
  t.match(proc.output(), /level=debug msg="Check request \(v3\)/, '--debug logs each check');
  proc.child.kill('SIGTERM');
  const code = await proc.exited;
  t.equal(code, 1, 'exits 1 after a signal, like the real one');
  t.match(proc.output(), /Got signal: SIGTERM/);
  t.notOk(fs.existsSync(listen), 'socket removed');
});

t.test('server: SIGINT also removes the socket; --explain logs decisions', async (t) => {
  const dir = tempDir(t);
  const felix = new FakeFelix(path.join(dir, 'felix.sock'));
  felix.script = [policy('p', [{ action: 'deny', srcServiceAccountMatch: { names: ['client'] } }]), endpoint({ tiers: [{ ingress: ['p'] }] }), inSync];
  await felix.listen();
  t.teardown(() => felix.close());
  const listen = path.join(dir, 'd.sock');
  const proc = startBin(['server', '--listen', listen, '--dial', felix.socketPath, '--explain', '--compat', '3.29']);
  t.teardown(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });
  await waitFor(() => /in sync/.test(proc.output()), 10000, 'server in sync');
  t.equal((await sendCheck(listen, request())).status?.code, 7);
  await waitFor(() => /decided by tier default, policy p, rule 0 \(deny\)/.test(proc.output()), 3000, 'explain line');
  proc.child.kill('SIGINT');
  await proc.exited;
  t.notOk(fs.existsSync(listen));
});

t.test('client: sends only the source principal (+ method), so a server denies', async (t) => {
  const dir = tempDir(t);
  const felix = new FakeFelix(path.join(dir, 'felix.sock'));
  felix.script = [policy('p', [{ action: 'allow' }]), endpoint({ tiers: [{ ingress: ['p'] }] }), inSync];
  await felix.listen();
  t.teardown(() => felix.close());
  const listen = path.join(dir, 'd.sock');
  const server = startBin(['server', '-l', listen, '-d', felix.socketPath]);
  t.teardown(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });
  await waitFor(() => /in sync/.test(server.output()), 10000, 'server in sync');
  const res = spawnSync(process.execPath, [BIN, 'client', 'default', 'client', '--method', 'GET', '-d', listen], { encoding: 'utf8' });
  t.equal(res.status, 0, res.stderr);
  t.match(res.stderr, /Check response: \{\\"status\\":\{\\"code\\":7\}\}/, 'no destination peer => denied');
  const bad = spawnSync(process.execPath, [BIN, 'client', 'ns', 'sa', '-d', path.join(dir, 'absent.sock')], { encoding: 'utf8' });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /level=fatal msg="Failed to check/);
  server.child.kill('SIGTERM');
  await server.exited;
});

t.test('server: a relative -d path is resolved from the working directory (as the real one is used)', async (t) => {
  const dir = tempDir(t);
  const felix = new FakeFelix(path.join(dir, 'felix.sock'));
  felix.script = [policy('p', [{ action: 'allow' }]), endpoint({ tiers: [{ ingress: ['p'] }] }), inSync];
  await felix.listen();
  t.teardown(() => felix.close());
  const proc = startBin(['server', '-l', 'd.sock', '-d', 'felix.sock'], dir);
  t.teardown(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });
  await waitFor(() => /in sync/.test(proc.output()), 10000, 'server in sync');
  t.equal((await sendCheck(path.join(dir, 'd.sock'), request())).status?.code, 0);
  proc.child.kill('SIGTERM');
  await proc.exited;
  t.notOk(fs.existsSync(path.join(dir, 'd.sock')));
});

t.test('bad arguments: usage and exit 1, no stack', async (t) => {
  for (const args of [[], ['serve'], ['server', 'extra'], ['client', 'onlyns'], ['server', '--compat', '3.1'], ['server', '--bogus'], ['server', '-l']]) {
    const res = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    t.equal(res.status, 1, args.join(' '));
    t.match(res.stderr, /Usage:\n {2}dikastes server \[options\]/, 'usage printed');
    t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
  }
  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0);
  t.match(help.stdout, /-l --listen <port>\s+Unix domain socket path \[default: \/var\/run\/dikastes\/dikastes.sock\]/);
});

t.test('argument parsing: defaults and forms', async (t) => {
  t.match(parseArgs(['server']), { command: 'server', listen: '/var/run/dikastes/dikastes.sock', dial: 'localhost:50051', compat: '3.28', debug: false });
  t.match(parseArgs(['--debug', 'server', '-l/tmp/x', '--dial=unix:/f']), { listen: '/tmp/x', dial: 'unix:/f', debug: true });
  t.match(parseArgs(['client', 'ns', 'sa', '--method', 'POST']), { command: 'client', namespace: 'ns', account: 'sa', method: 'POST' });
  t.throws(() => parseArgs(['server', '--method', 'GET']), /only valid for client/);
});
