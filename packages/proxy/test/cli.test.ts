// `alpsim proxy` as a user runs it: a child process from an LDS file and an Istio certificate directory.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCertificateAuthority, writeIstioLayout } from '@alpsim/pki';
import { mtlsRequest } from '../src/index';
import { httpListener, ldsWith, startAuthzServer, startEchoApp, tempDir } from './helpers/servers';

// The CLI package depends on this one, so its bin is reached by path (built by the root `tsc -b`).
const ALPSIM = path.resolve(__dirname, '..', '..', '..', 'cli', 'bin', 'alpsim.js');

function run(args: string[]) {
  const child = spawn(process.execPath, [ALPSIM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** A deny-all ext_authz server, an echo app and the backend's Istio cert directory, torn down with `t`. */
async function fixture(t: Test) {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket, { kind: 'deny' });
  const app = await startEchoApp();
  const ca = createCertificateAuthority({ keyType: 'ec' });
  const certsDir = path.join(dir, 'certs');
  writeIstioLayout(certsDir, ca.issueWorkload({ namespace: 'shop', serviceAccount: 'backend' }));
  t.teardown(async () => { await authz.close(); await app.close(); });
  return { dir, authzSocket, authz, app, ca, certsDir };
}

t.test('alpsim proxy serves an LDS file until SIGTERM', { skip: !fs.existsSync(ALPSIM) && 'cli not built' }, async (t) => {
  const { dir, authzSocket, authz, app, ca, certsDir } = await fixture(t);
  const ldsFile = path.join(dir, 'lds.json');
  fs.writeFileSync(ldsFile, JSON.stringify(ldsWith(httpListener('10.3.0.2', 8080, true))));
  const proc = run(['proxy', '--lds', ldsFile, '--workload-ip', '10.3.0.2', '--loopback', '127.0.30.2', '--certs', certsDir,
    '--cluster', `calico.dikastes=unix://${authzSocket}`, '--cluster', `in.8080=127.0.0.1:${app.port}`, '--peer', '127.0.30.1=10.3.0.1', '--authz-api', 'v2alpha', '--authz-timeout-ms', '2000']);
  t.teardown(() => { proc.child.kill('SIGKILL'); });
  const deadline = Date.now() + 15000;
  let match: RegExpExecArray | null = null;
  while (!(match = /listener http_10\.3\.0\.2_8080 \(http, mTLS\) on 127\.0\.30\.2:(\d+) filters \[envoy\.ext_authz, mixer, cors, router\]/.exec(proc.out()))) {
    if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`proxy did not start:\n${proc.out()}${proc.err()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const res = await mtlsRequest({
    to: { loopbackAddress: '127.0.30.2', listenPort: Number(match[1]) }, localAddress: '127.0.30.1',
    certs: ca.issueWorkload({ namespace: 'shop', serviceAccount: 'frontend' }), path: '/api',
  });
  t.equal(res.status, 403);
  t.equal(authz.requests[0].version, 'v2alpha');
  t.equal(authz.requests[0].request.attributes!.source!.address!.socketAddress!.address, '10.3.0.1');
  proc.child.kill('SIGTERM');
  t.equal(await proc.exited, 0);
  t.match(proc.out(), /"GET \/api HTTP\/1\.1" 403 UAEX authz=denied src=10\.3\.0\.1:\d+ principal=spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend/);
  t.match(proc.out(), /counters \{.*"ext_authz\.denied":1/);
});

t.test('alpsim proxy --lds <Pilot URL> --refresh-ms: polls, rejects a bad body, applies a good one', { skip: !fs.existsSync(ALPSIM) && 'cli not built' }, async (t) => {
  const http = await import('node:http');
  const { authzSocket, app, ca, certsDir } = await fixture(t);
  let body = JSON.stringify(ldsWith(httpListener('10.3.0.2', 8080, false)));
  const pilot = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve) => pilot.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(pilot.address() as import('node:net').AddressInfo).port}/v1/listeners/istio-proxy/sidecar~10.3.0.2~backend.shop~shop.svc.cluster.local`;
  const proc = run(['proxy', '--lds', url, '--refresh-ms', '50', '--workload-ip', '10.3.0.2', '--loopback', '127.0.30.3', '--certs', certsDir,
    '--cluster', `calico.dikastes=${authzSocket}`, '--cluster', `in.8080=127.0.0.1:${app.port}`, '--listen-port', '8080=0', '--authz-timeout-ms', '2000']);
  t.teardown(() => { proc.child.kill('SIGKILL'); pilot.close(); });
  const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 15000;
    while (!(await ok())) {
      if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`timed out waiting for ${what}:\n${proc.out()}${proc.err()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await until('start', () => /listener http_10\.3\.0\.2_8080/.test(proc.out()));
  const port = Number(/on 127\.0\.30\.3:(\d+)/.exec(proc.out())![1]);
  const client = ca.issueWorkload({ namespace: 'shop', serviceAccount: 'frontend' });
  const get = () => mtlsRequest({ to: { loopbackAddress: '127.0.30.3', listenPort: port }, certs: client, path: '/' });
  t.equal((await get()).status, 200);
  body = 'could not parse request JSON\n';
  await until('the bad body to be rejected', () => /LDS update rejected, previous listeners keep serving/.test(proc.out()));
  t.equal((await get()).status, 200, 'last good config still serving');
  body = JSON.stringify(ldsWith(httpListener('10.3.0.2', 8080, true)));
  await until('the new listener', () => /filters \[envoy\.ext_authz, mixer, cors, router\]/.test(proc.out()));
  t.equal((await get()).status, 403, 'same port, new filter chain');
  proc.child.kill('SIGTERM');
  t.equal(await proc.exited, 0);
});

t.test('alpsim proxy input errors: message, no stack, exit 2', { skip: !fs.existsSync(ALPSIM) && 'cli not built' }, async (t) => {
  const dir = tempDir();
  const bad = path.join(dir, 'lds.json');
  fs.writeFileSync(bad, '{"listeners": [{"name": "http_10.0.0.1_80", "address": "tcp://10.0.0.1:80", "filters": [{"type": "read", "name": "no_such_proxy", "config": {}}]}]}');
  const cases: [string[], RegExp][] = [
    [['proxy', '--lds', path.join(dir, 'missing.json'), '--workload-ip', '10.0.0.1'], /^alpsim: --lds .*missing\.json: no such file\n$/],
    [['proxy', '--lds', bad, '--workload-ip', '10.0.0.1'], /^alpsim: .*lds\.json: LDS config rejected \(2 problems\):\n.*listeners\[0\]\.filters\[0\]\.name: unknown network filter "no_such_proxy"/],
    [['proxy', '--lds', bad, '--workload-ip', '10.0.0.1', '--authz-api', 'v4'], /^alpsim: --authz-api: expected one of v3, v2, v2alpha \(got "v4"\)\n$/],
    [['proxy', '--lds', bad, '--workload-ip', '10.0.0.1', '--cluster', 'calico.dikastes'], /^alpsim: --cluster "calico\.dikastes": expected <name>=<endpoint>\n$/],
  ];
  for (const [args, expected] of cases) {
    const proc = run(args);
    t.equal(await proc.exited, 2, args.join(' '));
    t.match(proc.err(), expected);
    t.notMatch(proc.err(), /\n\s+at /, 'no stack trace');
  }
});
