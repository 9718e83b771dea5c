import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import t from 'tap';
import { PilotFake, type PilotService, type PilotWorkload } from '../src/index';
import { requestUnix, tempDir } from './helpers';

const BIN = path.resolve(__dirname, '../../bin/pilot-webhook.js');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Teardown = { teardown(fn: () => unknown): void };

const workloads: PilotWorkload[] = [
  { namespace: 'default', name: 'web-1', ip: '10.1.1.5', serviceAccount: 'web', labels: { app: 'web' }, ports: [{ port: 8080, name: 'http' }] },
  { namespace: 'prod', name: 'db-0', ip: '10.1.2.7', serviceAccount: 'db', labels: { app: 'db' }, ports: [{ port: 2379, name: 'tcp' }, { port: 27017, name: 'mongo' }] },
];
const services: PilotService[] = [
  { namespace: 'default', name: 'web', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, name: 'http' }], selector: { app: 'web' } },
  { namespace: 'prod', name: 'db', clusterIP: '10.96.0.20', ports: [{ port: 2379, name: 'tcp' }, { port: 27017, name: 'mongo' }], selector: { app: 'db' } },
];

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Spawns the real `pilot-webhook` bin as a child process. */
async function spawnWebhook(t: Teardown, args: string[] = []): Promise<{ child: ChildProcess; socketPath: string; stderr: () => string; exited: Promise<number | null> }> {
  const socketPath = path.join(tempDir(t), 'webhook.sock');
  const child = spawn(process.execPath, [BIN, socketPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  await waitFor(() => fs.existsSync(socketPath) && fs.statSync(socketPath).isSocket(), 'the webhook socket');
  return { child, socketPath, stderr: () => stderr, exited };
}

/** A stand-in webhook on a Unix socket that records requests and answers as told. */
async function fakeWebhook(t: Teardown, answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void) {
  const socketPath = path.join(tempDir(t), 'recording.sock');
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, body, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  }));
  return { socketPath, seen };
}

t.test('PilotFake → real pilot-webhook child process → LDS with envoy.ext_authz on inbound listeners', async (t) => {
  const hook = await spawnWebhook(t, ['--debug']);
  const pilot = new PilotFake({ workloads, services, webhookEndpoint: `unix://${hook.socketPath}` });
  const node = pilot.nodeId('prod', 'db-0');
  const answer = await pilot.fetchListeners(node);
  t.equal(answer.source, 'webhook');
  t.notMatch(answer.body, /\n/, "compact JSON: the webhook's re-encoding, not Pilot's indented output");
  const lds = JSON.parse(answer.body) as Json;
  const byName = Object.fromEntries((lds.listeners as Json[]).map((l) => [l.name, l]));
  t.same(byName['tcp_10.1.2.7_2379'].filters.map((f: Json) => f.name), ['envoy.ext_authz', 'mixer', 'tcp_proxy'], 'inbound TCP: read filter first');
  t.same(byName['tcp_10.1.2.7_2379'].filters[0], { type: 'read', name: 'envoy.ext_authz', config: { stat_prefix: 'envoy.ext_authz', grpc_cluster: { cluster_name: 'calico.dikastes' } } });
  t.same(byName['mongo_10.1.2.7_27017'].filters.map((f: Json) => f.name), ['mixer', 'mongo_proxy', 'tcp_proxy'], 'quirk: inbound mongo left without the filter');
  t.same(byName['tcp_10.96.0.20_2379'].filters.map((f: Json) => f.name), ['tcp_proxy'], 'outbound untouched');
  t.same(byName['http_0.0.0.0_80'].filters[0].config.filters.map((f: Json) => f.name), ['mixer', 'cors', 'router'], 'outbound HTTP untouched');
  const own = JSON.parse((await new PilotFake({ workloads, services }).fetchListeners(node)).body) as Json;
  t.same(byName.virtual, own.listeners[0], 'virtual unchanged');
  t.same(byName['tcp_10.1.2.7_2379'].ssl_context, (own.listeners as Json[]).find((l) => l.name === 'tcp_10.1.2.7_2379')!.ssl_context, 'mTLS context survives the round trip');

  const web = JSON.parse((await pilot.fetchListeners(pilot.nodeId('default', 'web-1'))).body) as Json;
  const httpIn = (web.listeners as Json[]).find((l) => l.name === 'http_10.1.1.5_8080') as Json;
  t.same(httpIn.filters[0].config.filters.map((f: Json) => f.name), ['envoy.ext_authz', 'mixer', 'cors', 'router'], 'inbound HTTP: decoder filter first in the HCM');
  t.same(httpIn.filters[0].config.filters[0], { type: 'decoder', name: 'envoy.ext_authz', config: { grpc_cluster: { cluster_name: 'calico.dikastes' } } });

  // CDS and RDS pass through byte for byte (Pilot's indented JSON comes back unchanged).
  const cds = await pilot.discover(`/v1/clusters/istio-proxy/${node}`);
  t.equal(cds.source, 'webhook');
  t.equal(cds.body, (await new PilotFake({ workloads, services }).discover(`/v1/clusters/istio-proxy/${node}`)).body);
  const rds = await pilot.discover(`/v1/routes/80/istio-proxy/${node}`);
  t.equal(rds.source, 'webhook');
  t.match(rds.body, /"virtual_hosts": \[/);
  await pilot.discover('/v1/registration/db.prod.svc.cluster.local|tcp');
  t.same(pilot.stats().webhookCalls, { webhookListListeners: 2, webhookListClusters: 1, webhookListRoutes: 1 }, 'SDS never goes to the webhook');
  t.match(hook.stderr(), /level=debug msg="Updating TCP listener" name=tcp_10.1.2.7_2379/);
  t.match(hook.stderr(), /level=error msg="tried to add HTTP Authz filter to non-HTTP listener" listener=mongo_10.1.2.7_27017/);
});

t.test('the request Pilot sends: same path (query dropped), POST, application/json, Host unix, its own JSON', async (t) => {
  const golden = '{"listeners": [ {"name": "Hello-LDS-WebHook"}]}';
  const webhook = await fakeWebhook(t, (_req, _body, res) => res.end(golden));
  const pilot = new PilotFake({ workloads, services, webhookEndpoint: `unix://${webhook.socketPath}` });
  const node = pilot.nodeId('default', 'web-1');
  const answer = await pilot.discover(`/v1/listeners/istio-proxy/${node}?foo=bar`);
  t.equal(answer.body, golden, "Pilot's discovery_test: the webhook's body is served as is");
  const request = webhook.seen[0];
  t.equal(request.method, 'POST');
  t.equal(request.url, `/v1/listeners/istio-proxy/${node}`);
  t.equal(request.headers['content-type'], 'application/json');
  t.equal(request.headers.host, 'unix');
  t.equal(request.body, (await new PilotFake({ workloads, services }).fetchListeners(node)).body);
});

t.test('webhook answering 400 (or 500): body served verbatim with 200', async (t) => {
  const webhook = await fakeWebhook(t, (req, _body, res) => {
    res.statusCode = req.url?.startsWith('/v1/clusters') ? 500 : 400;
    res.end(req.url?.startsWith('/v1/clusters') ? 'internal error' : 'could not parse request JSON');
  });
  const pilot = new PilotFake({ workloads, services, webhookEndpoint: `unix://${webhook.socketPath}` });
  const node = pilot.nodeId('default', 'web-1');
  t.same(await pilot.fetchListeners(node), { status: 200, body: 'could not parse request JSON', source: 'webhook' });
  t.same(await pilot.discover(`/v1/clusters/c/${node}`), { status: 200, body: 'internal error', source: 'webhook' });
  t.same(pilot.stats().webhookErrors, { webhookListListeners: 0, webhookListClusters: 0, webhookListRoutes: 0 }, 'an HTTP error status is not a webhook error');
});

t.test('webhook down, hanging or hanging up: Pilot falls back to its own JSON', async (t) => {
  const logs: string[] = [];
  const dir = tempDir(t);
  const down = new PilotFake({ workloads, services, webhookEndpoint: `unix://${path.join(dir, 'nobody-listens.sock')}`, log: (l) => logs.push(l) });
  const node = down.nodeId('default', 'web-1');
  const own = (await new PilotFake({ workloads, services }).fetchListeners(node)).body;
  t.same(await down.fetchListeners(node), { status: 200, body: own, source: 'fallback' });
  t.equal(down.stats().webhookErrors.webhookListListeners, 1);
  t.match(logs[0], /webhook call for \/v1\/listeners\/istio-proxy\/sidecar~10.1.1.5.* failed, serving Pilot's own listeners: .*ENOENT/);
  t.equal((await down.discover(`/v1/clusters/c/${node}`)).source, 'fallback');
  t.equal(logs.length, 1, 'only LDS failures are logged (as in Pilot 0.7)');

  const hanging = await fakeWebhook(t, () => {}); // never answers
  const slow = new PilotFake({ workloads, services, webhookEndpoint: `unix://${hanging.socketPath}`, webhookTimeoutMs: 150 });
  const started = Date.now();
  t.same(await slow.fetchListeners(node), { status: 200, body: own, source: 'fallback' });
  t.ok(Date.now() - started >= 140, 'waited for the client timeout');

  const rude = await fakeWebhook(t, (req) => req.socket.destroy()); // like a Go handler panic
  const dropped = new PilotFake({ workloads, services, webhookEndpoint: `unix://${rude.socketPath}` });
  t.same(await dropped.fetchListeners(node), { status: 200, body: own, source: 'fallback' });
});

t.test('cache: webhook called on misses only; flushed by setWorkloads/setServices; off with cache:false', async (t) => {
  let calls = 0;
  const webhook = await fakeWebhook(t, (_req, body, res) => {
    calls++;
    res.end(body);
  });
  const endpoint = `unix://${webhook.socketPath}`;
  const pilot = new PilotFake({ workloads, services, webhookEndpoint: endpoint });
  const node = pilot.nodeId('default', 'web-1');
  t.equal((await pilot.fetchListeners(node)).source, 'webhook');
  t.equal((await pilot.fetchListeners(node)).source, 'cache');
  t.equal(calls, 1);
  await pilot.discover(`/v1/listeners/istio-proxy/${node}?v=2`);
  t.equal(calls, 2, 'the cache key is the whole request URL');
  pilot.setServices(services);
  t.equal((await pilot.fetchListeners(node)).source, 'webhook', 'setServices flushes');
  pilot.setWorkloads(workloads);
  t.equal((await pilot.fetchListeners(node)).source, 'webhook', 'setWorkloads flushes');
  t.equal(calls, 4);
  await pilot.discover(`/v1/routes/9999/c/${node}`);
  await pilot.discover(`/v1/routes/9999/c/${node}`);
  t.equal(calls, 6, 'empty documents (0 resources) are never cached');
  t.throws(() => pilot.setWorkloads([{ namespace: 'x', name: 'y', ip: 'bad' }]));
  t.equal((await pilot.fetchListeners(node)).source, 'cache', 'a rejected update keeps the cache');

  const uncached = new PilotFake({ workloads, services, webhookEndpoint: endpoint, cache: false });
  await uncached.fetchListeners(node);
  await uncached.fetchListeners(node);
  t.equal(uncached.stats().webhookCalls.webhookListListeners, 2);
  t.same(uncached.stats().cache, { hits: 0, misses: 0 });
});

t.test('pilot-webhook bin: malformed bodies never crash it; SIGTERM removes the socket; CLI usage', async (t) => {
  const hook = await spawnWebhook(t);
  const node = 'sidecar~10.1.1.5~web-1.default~default.svc.cluster.local';
  for (const body of ['not JSON', '{"listeners":[{"name":"x"}]}', '{"listeners":[{"name":"tcp_10.1.1.5_1","filters":[{"name":"tcp_proxy"}]}]}', '[1,2', '']) {
    await requestUnix(hook.socketPath, 'POST', `/v1/listeners/c/${node}`, body);
  }
  await requestUnix(hook.socketPath, 'POST', '/v1/listeners/c/no-tilde', '{}');
  t.equal(hook.child.exitCode, null, 'still running');
  t.match(await requestUnix(hook.socketPath, 'POST', `/v1/listeners/c/${node}`, '{"listeners":[]}'), { status: 200, body: '{"listeners":[]}' });
  t.match(hook.stderr(), /http: panic serving @: runtime error: index out of range/);
  t.equal(fs.statSync(hook.socketPath).mode & 0o777, 0o777);
  hook.child.kill('SIGTERM');
  t.equal(await hook.exited, 0, 'clean exit on SIGTERM');
  t.notOk(fs.existsSync(hook.socketPath), 'socket removed');

  const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0);
  t.match(help.stdout, /Usage:\n {2}webhook <path> \[options\]/);
  t.equal(spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' }).stdout.trim(), '0.1');
  const bad = spawnSync(process.execPath, [BIN], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /Usage:/);
  t.equal(spawnSync(process.execPath, [BIN, '/tmp/x.sock', '--bogus'], { encoding: 'utf8' }).status, 2);
  const cannot = spawnSync(process.execPath, [BIN, '/nonexistent-dir/w.sock'], { encoding: 'utf8' });
  t.equal(cannot.status, 1, 'listen failure is fatal (logrus Fatal exits 1)');
  t.match(cannot.stderr, /level=fatal msg="Unable to listen\."/);
});
