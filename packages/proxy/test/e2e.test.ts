// End to end, all over real sockets: PilotFake → our pilot-webhook bin (child process, Unix socket) →
// the proxy configured from the LDS Pilot served → our Dikastes (child process) fed by our Felix fake
// (from @alpsim/calico resources) → an upstream echo app.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { parseResources } from '@alpsim/calico';
import { FelixFromResources } from '@alpsim/felix';
import { createCertificateAuthority } from '@alpsim/pki';
import { PilotFake, type PilotWorkload } from '@alpsim/pilot';
import { startSidecar, type Sidecar } from '../src/index';
import { eventually, startEchoApp, startTcpEcho, tempDir } from './helpers/servers';

const RESOURCES = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: frontend, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: backend, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: intruder, namespace: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: frontend, namespace: shop, labels: {app: frontend}}
spec: {serviceAccountName: frontend, containers: [{name: app, image: frontend}]}
status: {podIP: 10.0.0.10}
---
apiVersion: v1
kind: Pod
metadata: {name: backend, namespace: shop, labels: {app: backend}}
spec: {serviceAccountName: backend, containers: [{name: app, image: backend, ports: [{containerPort: 8080, name: http}, {containerPort: 27017, name: mongo}]}]}
status: {podIP: 10.0.0.20}
---
apiVersion: v1
kind: Pod
metadata: {name: intruder, namespace: shop, labels: {app: intruder}}
spec: {serviceAccountName: intruder, containers: [{name: app, image: intruder}]}
status: {podIP: 10.0.0.30}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: backend-api}
spec:
  selector: app == 'backend'
  ingress:
    - action: Allow
      source: {serviceAccounts: {names: [frontend]}}
      http: {methods: [GET], paths: [{prefix: /api/}]}
`;

const WORKLOADS: PilotWorkload[] = [
  { namespace: 'shop', name: 'frontend', ip: '10.0.0.10', serviceAccount: 'frontend', labels: { app: 'frontend' } },
  { namespace: 'shop', name: 'backend', ip: '10.0.0.20', serviceAccount: 'backend', labels: { app: 'backend' },
    ports: [{ port: 8080, name: 'http' }, { port: 27017, name: 'mongo' }] },
  { namespace: 'shop', name: 'intruder', ip: '10.0.0.30', serviceAccount: 'intruder', labels: { app: 'intruder' } },
];
const LOOPBACK: Record<string, string> = { '10.0.0.10': '127.0.50.10', '10.0.0.20': '127.0.50.20', '10.0.0.30': '127.0.50.30' };
const PEER_IPS = Object.fromEntries(Object.entries(LOOPBACK).map(([ip, lo]) => [lo, ip]));

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

function spawnNode(script: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  return { child, output: () => output };
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
}

t.test('Pilot fake → pilot-webhook → proxy → Dikastes (fed by Felix) → app', async (t) => {
  const dir = tempDir('alpsim-e2e-');
  const webhookSocket = path.join(dir, 'webhook.sock');
  const felixSocket = path.join(dir, 'felix.sock');
  const dikastesSocket = path.join(dir, 'dikastes.sock');
  const children: ChildProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  t.teardown(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await Promise.all(children.map(stop));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Felix fake serving the backend's policy-sync socket; Dikastes as a child process dialling it.
  const felix = new FelixFromResources({ compat: '3.28' }, parseResources(RESOURCES, 'e2e-resources.yaml', { compat: '3.28' }));
  closers.push(() => felix.close());
  await felix.listenWorkload('shop/backend', felixSocket);
  const dikastesBin = path.join(packageDir('@alpsim/dikastes'), 'bin', 'dikastes.js');
  const startDikastes = () => {
    const d = spawnNode(dikastesBin, ['server', '-l', dikastesSocket, '-d', felixSocket]);
    children.push(d.child);
    return d;
  };
  let dikastes = startDikastes();
  await waitFor('dikastes socket', () => fs.existsSync(dikastesSocket));

  // Our pilot-webhook bin, and the Pilot fake calling it as --webhookEndpoint unix:///...
  const webhook = spawnNode(path.join(packageDir('@alpsim/pilot'), 'bin', 'pilot-webhook.js'), [webhookSocket]);
  children.push(webhook.child);
  await waitFor('pilot-webhook socket', () => fs.existsSync(webhookSocket));
  const pilot = new PilotFake({ workloads: WORKLOADS, webhookEndpoint: `unix://${webhookSocket}` });
  const served = await pilot.fetchListeners(pilot.nodeId('shop', 'backend'));
  t.equal(served.source, 'webhook', 'Pilot served the webhook-modified LDS');

  // Certificates, upstream apps, and the sidecars.
  const ca = createCertificateAuthority({ trustDomain: 'cluster.local', keyType: 'ec' });
  const svid = (sa: string) => ca.issueWorkload({ namespace: 'shop', serviceAccount: sa });
  const app = await startEchoApp('backend');
  const mongo = await startTcpEcho();
  closers.push(() => app.close(), () => mongo.close());
  const backendOptions = {
    lds: served.body,
    ldsSource: 'LDS for backend (via pilot-webhook)',
    workloadIp: '10.0.0.20',
    loopbackAddress: LOOPBACK['10.0.0.20'],
    peerIps: PEER_IPS,
    certs: svid('backend'),
    clusters: { 'calico.dikastes': `unix://${dikastesSocket}`, 'in.8080': `127.0.0.1:${app.port}`, 'in.27017': `127.0.0.1:${mongo.port}` },
    authzApiVersion: 'v3' as const,
    // Generous for a loaded 2-core CI box; the 200 ms default is exercised in filter-chain.test.
    authzTimeoutMs: 2000,
  };
  const backend = await startSidecar(backendOptions);
  const backendOpen = await startSidecar({ ...backendOptions, failureModeAllow: true });
  const sidecarFor = async (name: string) => {
    const w = WORKLOADS.find((x) => x.name === name)!;
    const lds = await pilot.fetchListeners(pilot.nodeId('shop', name));
    return startSidecar({ lds: lds.body, workloadIp: w.ip, loopbackAddress: LOOPBACK[w.ip], peerIps: PEER_IPS, certs: svid(name) });
  };
  const frontend = await sidecarFor('frontend');
  const intruder = await sidecarFor('intruder');
  closers.push(() => backend.close(), () => backendOpen.close(), () => frontend.close(), () => intruder.close());

  const http = backend.listener(8080)!;
  const mongoListener = backend.listener(27017)!;
  t.equal(http.name, 'http_10.0.0.20_8080');
  t.same(http.filters.slice(0, 1), ['envoy.ext_authz'], 'the webhook prepended envoy.ext_authz');
  t.equal(mongoListener.name, 'mongo_10.0.0.20_27017');
  t.notOk(mongoListener.extAuthz, 'the webhook leaves mongo_ listeners without the filter (its quirk)');

  const to = (s: Sidecar, port = 8080) => ({ ip: '10.0.0.20', port, loopbackAddress: LOOPBACK['10.0.0.20'], listenPort: s.listener(port)!.address.port, expectedSpiffeId: 'spiffe://cluster.local/ns/shop/sa/backend' });
  const get = (from: Sidecar, target: Sidecar, p: string, method = 'GET') => from.request({ to: to(target), method, path: p, authority: 'backend.shop:8080' });

  await t.test('allow: 200 with the upstream body', async (t) => {
    // Dikastes answers UNAVAILABLE (a denial) until its first policy sync completes.
    let res = await get(frontend, backend, '/api/items');
    await waitFor('Dikastes in sync', async () => { res = await get(frontend, backend, '/api/items'); return res.status === 200; });
    t.equal(res.status, 200);
    const echoed = JSON.parse(res.body);
    t.equal(echoed.app, 'backend');
    t.equal(echoed.url, '/api/items');
    t.ok(backend.counters.get('ext_authz.ok') >= 1);
  });

  await t.test('deny: 403 for the wrong identity and for the wrong method', async (t) => {
    const before = app.requests;
    const intr = await get(intruder, backend, '/api/items');
    t.equal(intr.status, 403);
    t.equal(intr.body, '');
    const del = await get(frontend, backend, '/api/items/7', 'DELETE');
    t.equal(del.status, 403);
    t.equal(app.requests, before, 'denied requests never reach the app');
    t.equal(backend.counters.get('ext_authz.denied'), 2);
    t.match(await eventually(() => backend.logLines().filter((l) => l.includes('"DELETE')).at(-1) ?? '', (l) => l !== ''), /403 UAEX authz=denied src=10\.0\.0\.10:\d+ principal=spiffe:\/\/cluster\.local\/ns\/shop\/sa\/frontend/);
  });

  await t.test('listener left without the filter: forwarded unchecked', async (t) => {
    const checksBefore = backend.counters.get('ext_authz.total');
    const reply = await new Promise<string>((resolve, reject) => {
      const intr = ca.issueWorkload({ namespace: 'shop', serviceAccount: 'intruder' });
      const socket = tls.connect({
        host: LOOPBACK['10.0.0.20'], port: mongoListener.address.port, localAddress: LOOPBACK['10.0.0.30'],
        ca: intr.rootCertPem, cert: intr.certChainPem, key: intr.keyPem, checkServerIdentity: () => undefined,
      } as tls.ConnectionOptions, () => socket.write('isMaster'));
      socket.once('data', (d) => { resolve(d.toString()); socket.end(); });
      socket.once('error', reject);
    });
    t.equal(reply, 'isMaster', 'the intruder reaches the mongo port: no Check on that listener');
    t.equal(backend.counters.get('ext_authz.total'), checksBefore);
  });

  await t.test('Dikastes down: 403, and 200 with failure_mode_allow', async (t) => {
    await stop(dikastes.child);
    await waitFor('dikastes socket removed', () => !fs.existsSync(dikastesSocket));
    const errorsBefore = backend.counters.get('ext_authz.error');
    const closed = await get(frontend, backend, '/api/items');
    t.equal(closed.status, 403);
    t.equal(backend.counters.get('ext_authz.error'), errorsBefore + 1);
    const open = await get(frontend, backendOpen, '/api/items');
    t.equal(open.status, 200);
    t.equal(JSON.parse(open.body).url, '/api/items');
    t.equal(backendOpen.counters.get('ext_authz.failure_mode_allowed'), 1);

    // Back up: the same sidecar recovers without a restart.
    dikastes = startDikastes();
    await waitFor('dikastes back in sync', async () => (await get(frontend, backend, '/api/items')).status === 200);
    t.pass('recovered after Dikastes restart');
  });

  await t.test('pilot-webhook down: Pilot falls back to its own LDS, so nothing is checked', async (t) => {
    await stop(webhook.child);
    const uncached = new PilotFake({ workloads: WORKLOADS, webhookEndpoint: `unix://${webhookSocket}` });
    const fallback = await uncached.fetchListeners(uncached.nodeId('shop', 'backend'));
    t.equal(fallback.source, 'fallback');
    const bare = await startSidecar({ ...backendOptions, lds: fallback.body, ldsSource: "Pilot's own LDS" });
    t.teardown(() => bare.close());
    t.notOk(bare.listeners.some((l) => l.extAuthz), 'no listener has envoy.ext_authz');
    const res = await get(intruder, bare, '/api/items', 'DELETE');
    t.equal(res.status, 200, 'the intruder is forwarded unchecked');
  });
});
