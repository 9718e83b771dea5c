// Independent fidelity checks against spec-envoy-pilot.md §3 (Istio Pilot 0.7 webhook client and
// Calico's pilot-webhook@bd069d7), expected values written from the spec text.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import t from 'tap';
import { PilotFake, type PilotService, type PilotWorkload, ldsHook, sidecarNodeId, startPilotWebhook } from '../src/index';
import { logrusLogger } from '../src/logrus';
import { captureLog, requestUnix, tempDir } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HTTP_AUTHZ = { type: 'decoder', name: 'envoy.ext_authz', config: { grpc_cluster: { cluster_name: 'calico.dikastes' } } };
const TCP_AUTHZ = { type: 'read', name: 'envoy.ext_authz', config: { stat_prefix: 'envoy.ext_authz', grpc_cluster: { cluster_name: 'calico.dikastes' } } };

const quiet = logrusLogger('fatal', () => undefined);
const hook = (node: string, doc: unknown) => {
  const body = Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const result = ldsHook(node, body, quiet, () => undefined);
  if ('panic' in result) throw new Error(`panic: ${result.panic}`);
  return { status: result.status, text: result.body.toString('utf8') };
};

const hcmListener = (name: string, address: string, httpFilters: Json[]) => ({
  address, name,
  filters: [{ type: 'read', name: 'http_connection_manager', config: { codec_type: 'auto', stat_prefix: 'http', route_config: { virtual_hosts: [] }, filters: httpFilters } }],
});
const tcpProxy = (cluster: string) => ({ type: 'read', name: 'tcp_proxy', config: { stat_prefix: 'tcp', route_config: { routes: [{ cluster }] } } });

t.test('pilot-webhook LDS rules (§3.3)', async (t) => {
  const node = 'sidecar~3.4.5.6~other~items';
  const cors = { type: 'decoder', name: 'cors', config: {} };

  await t.test('mainline: inbound HTTP gets the decoder filter first, outbound untouched', async (t) => {
    const outbound = hcmListener('http_0.0.0.0_80', 'tcp://0.0.0.0:80', [cors]);
    const { status, text } = hook(node, { listeners: [outbound, hcmListener('http_3.4.5.6_43', 'tcp://3.4.5.6:43', [cors])] });
    t.equal(status, 200);
    t.notMatch(text, /\n/, 'compact re-encoding');
    const doc = JSON.parse(text) as Json;
    t.same(doc.listeners[0].filters[0].config.filters, [cors], 'outbound unchanged');
    const filters = doc.listeners[1].filters[0].config.filters as Json[];
    t.equal(filters.length, 2);
    t.strictSame(filters[0], HTTP_AUTHZ, 'exact filter JSON');
    t.equal(JSON.stringify(filters[0]), JSON.stringify(HTTP_AUTHZ), 'key order type, name, config');
    t.same(filters[1], cors);
  });

  await t.test('inbound TCP gets the read network filter first, with stat_prefix', async (t) => {
    const doc = JSON.parse(hook('sidecar~1.2.3.4~x~y', { listeners: [{ address: 'tcp://1.2.3.4:76', name: 'tcp_1.2.3.4_76', filters: [tcpProxy('in.76')] }] }).text) as Json;
    const filters = doc.listeners[0].filters as Json[];
    t.equal(filters.length, 2);
    t.strictSame(filters[0], TCP_AUTHZ);
    t.equal(JSON.stringify(filters[0].config), JSON.stringify(TCP_AUTHZ.config), 'stat_prefix before grpc_cluster');
    t.equal(filters[1].name, 'tcp_proxy');
  });

  await t.test('virtual and outbound listeners (IP part differs from the node IP) are skipped', async (t) => {
    const listeners = [
      { address: 'tcp://0.0.0.0:15001', name: 'virtual', filters: [], bind_to_port: true, use_original_dst: true },
      hcmListener('http_10.65.8.9_443', 'tcp://10.65.8.9:443', [cors]),
      { address: 'tcp://10.65.8.9:5432', name: 'tcp_10.65.8.9_5432', filters: [tcpProxy('out.db')] },
      // the IP comparison is on the name, not on the address
      { address: 'tcp://1.2.3.4:9000', name: 'tcp_9.9.9.9_9000', filters: [tcpProxy('in.9000')] },
    ];
    const doc = JSON.parse(hook('sidecar~1.2.3.4~x~y', { listeners }).text) as Json;
    t.same(doc.listeners[0].filters, []);
    t.same(doc.listeners[1].filters[0].config.filters, [cors]);
    t.same(doc.listeners[2].filters.map((f: Json) => f.name), ['tcp_proxy']);
    t.same(doc.listeners[3].filters.map((f: Json) => f.name), ['tcp_proxy']);
  });

  await t.test('mongo_/redis_ inbound listeners are treated as HTTP and left untouched (no HCM)', async (t) => {
    const log = captureLog();
    const listeners = [
      { address: 'tcp://1.2.3.4:27017', name: 'mongo_1.2.3.4_27017', filters: [{ type: 'both', name: 'mongo_proxy', config: { stat_prefix: 'mongo' } }, tcpProxy('in.27017')] },
      { address: 'tcp://1.2.3.4:6379', name: 'redis_1.2.3.4_6379', filters: [tcpProxy('in.6379')] },
    ];
    const result = ldsHook('sidecar~1.2.3.4~x~y', Buffer.from(JSON.stringify({ listeners })), logrusLogger('debug', log.write), () => undefined);
    if ('panic' in result) throw new Error(result.panic);
    t.equal(result.status, 200);
    const doc = JSON.parse(result.body.toString()) as Json;
    t.same(doc.listeners[0].filters.map((f: Json) => f.name), ['mongo_proxy', 'tcp_proxy']);
    t.same(doc.listeners[1].filters.map((f: Json) => f.name), ['tcp_proxy']);
    t.equal(log.lines.filter((l) => l.includes('level=error')).length, 2, 'an error log per listener');
  });

  await t.test('an inbound HTTP listener whose name is not http_/tcp_ but has an HCM gets the HTTP filter', async (t) => {
    const doc = JSON.parse(hook('sidecar~1.2.3.4~x~y', { listeners: [hcmListener('grpc_1.2.3.4_9000', 'tcp://1.2.3.4:9000', [cors])] }).text) as Json;
    t.strictSame(doc.listeners[0].filters[0].config.filters[0], HTTP_AUTHZ);
  });

  await t.test('the filter is prepended every time (no de-duplication)', async (t) => {
    const once = hook(node, { listeners: [hcmListener('http_3.4.5.6_43', 'tcp://3.4.5.6:43', [cors])] }).text;
    const twice = JSON.parse(hook(node, once).text) as Json;
    t.same(twice.listeners[0].filters[0].config.filters.map((f: Json) => f.name), ['envoy.ext_authz', 'envoy.ext_authz', 'cors']);
  });

  await t.test('non-sidecar nodes: body echoed unchanged, even when not JSON', async (t) => {
    for (const type of ['ingress', 'router']) {
      t.same(hook(`${type}~3.4.5.6~other~items`, '{"listeners": []}'), { status: 200, text: '{"listeners": []}' });
      t.same(hook(`${type}~3.4.5.6~other~items`, 'not JSON'), { status: 200, text: 'not JSON' });
    }
  });

  await t.test('bad JSON for a sidecar: 400', async (t) => {
    t.same(hook(node, 'not JSON'), { status: 400, text: 'could not parse request JSON' });
  });
});

t.test('pilot-webhook socket and routes (§3.3)', async (t) => {
  const dir = tempDir(t);
  const socketPath = path.join(dir, 'webhook.sock');
  fs.writeFileSync(socketPath, 'stale');
  const log = captureLog();
  const webhook = await startPilotWebhook(socketPath, { log: log.write, stdout: () => undefined });
  t.teardown(() => webhook.close());
  const stat = fs.statSync(socketPath);
  t.ok(stat.isSocket(), 'a stale file at the path is replaced by the socket');
  t.equal(stat.mode & 0o777, 0o777, 'socket mode 0777');

  for (const route of ['/v1/clusters/istio-proxy/sidecar~1.2.3.4~a~b', '/v1/routes/80/istio-proxy/sidecar~1.2.3.4~a~b', '/v1/registration/web.default.svc.cluster.local|http']) {
    const reply = await requestUnix(socketPath, 'POST', route, 'testing pass-through');
    t.match(reply, { status: 200, body: 'testing pass-through' }, `${route} echoes`);
  }
  const lds = await requestUnix(socketPath, 'POST', '/v1/listeners/istio-proxy/sidecar~1.2.3.4~a~b', JSON.stringify({ listeners: [{ address: 'tcp://1.2.3.4:76', name: 'tcp_1.2.3.4_76', filters: [tcpProxy('in.76')] }] }));
  t.match(lds, { status: 200 });
  if ('body' in lds) t.strictSame((JSON.parse(lds.body) as Json).listeners[0].filters[0], TCP_AUTHZ);
  const bad = await requestUnix(socketPath, 'POST', '/v1/listeners/istio-proxy/sidecar~1.2.3.4~a~b', 'not JSON');
  t.match(bad, { status: 400, body: 'could not parse request JSON' });
});

const workloads: PilotWorkload[] = [
  { namespace: 'shop', name: 'api-0', ip: '10.9.0.5', serviceAccount: 'api', labels: { app: 'api' }, ports: [{ port: 8080, name: 'http' }, { port: 5432, name: 'tcp-db' }] },
  { namespace: 'shop', name: 'web-0', ip: '10.9.0.6', serviceAccount: 'web', labels: { app: 'web' }, ports: [{ port: 80, name: 'http' }] },
];
const services: PilotService[] = [
  { namespace: 'shop', name: 'api', clusterIP: '10.96.5.1', ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 5432, name: 'tcp-db' }], selector: { app: 'api' } },
];

/** A recording webhook on a Unix socket; `answer` decides each reply. */
async function recordingWebhook(socketPath: string, answer: (req: { url: string; body: string }) => { status: number; body: string }) {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      const reply = answer(entry);
      res.writeHead(reply.status, { 'Content-Type': 'text/plain' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { seen, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

t.test('Pilot 0.7 webhook client and cache (§3.1)', async (t) => {
  const dir = tempDir(t);
  const socketPath = path.join(dir, 'hook.sock');
  let reply = { status: 200, body: '{"listeners":[{"name":"Hello-LDS-WebHook"}]}' };
  const hookServer = await recordingWebhook(socketPath, () => reply);
  t.teardown(() => hookServer.close());
  const pilot = new PilotFake({ workloads, services, webhookEndpoint: `unix://${socketPath}` });
  const node = sidecarNodeId(workloads[0]);
  t.equal(node, 'sidecar~10.9.0.5~api-0.shop~shop.svc.cluster.local');

  await t.test('POST to the same path, query dropped, JSON body = Pilot own document', async (t) => {
    const answer = await pilot.discover(`/v1/listeners/istio-proxy/${node}?foo=bar`);
    t.equal(answer.status, 200);
    t.equal(answer.body, reply.body, 'webhook body served verbatim');
    const call = hookServer.seen.at(-1)!;
    t.equal(call.method, 'POST');
    t.equal(call.url, `/v1/listeners/istio-proxy/${node}`);
    t.equal(call.headers.host, 'unix');
    t.equal(call.headers['content-type'], 'application/json');
    t.same(call.body, JSON.stringify(pilot.listenersFor(node), null, ' ').split('\n').join('\n '), 'MarshalIndent(v, " ", " ")');
  });

  await t.test('cached per URL until the config changes', async (t) => {
    const calls = hookServer.seen.length;
    await pilot.discover(`/v1/listeners/istio-proxy/${node}?foo=bar`);
    t.equal(hookServer.seen.length, calls, 'cache hit: no webhook call');
    pilot.setServices([...services]);
    await pilot.discover(`/v1/listeners/istio-proxy/${node}?foo=bar`);
    t.equal(hookServer.seen.length, calls + 1, 'flushed by a config change');
  });

  await t.test('any status is served verbatim as 200', async (t) => {
    reply = { status: 500, body: 'internal error' };
    const answer = await pilot.discover(`/v1/clusters/istio-proxy/${node}`);
    t.same({ status: answer.status, body: answer.body }, { status: 200, body: 'internal error' });
    reply = { status: 400, body: 'could not parse request JSON' };
    const routes = await pilot.discover(`/v1/routes/80/istio-proxy/${node}`);
    t.same({ status: routes.status, body: routes.body }, { status: 200, body: 'could not parse request JSON' });
  });

  await t.test('empty documents are never cached (pre-webhook resource count 0)', async (t) => {
    reply = { status: 200, body: 'x' };
    const calls = hookServer.seen.length;
    await pilot.discover(`/v1/routes/9999/istio-proxy/${node}`);
    await pilot.discover(`/v1/routes/9999/istio-proxy/${node}`);
    t.equal(hookServer.seen.length, calls + 2, 'webhook called each time');
  });

  await t.test('SDS is never sent to the webhook', async (t) => {
    const calls = hookServer.seen.length;
    const sds = await pilot.discover('/v1/registration/api.shop.svc.cluster.local|http');
    t.equal(hookServer.seen.length, calls);
    t.same((JSON.parse(sds.body) as Json).hosts, [{ ip_address: '10.9.0.5', port: 8080 }]);
  });

  await t.test('transport error: Pilot serves its own JSON', async (t) => {
    const lonely = new PilotFake({ workloads, services, webhookEndpoint: `unix://${path.join(dir, 'missing.sock')}` });
    const answer = await lonely.discover(`/v1/listeners/istio-proxy/${node}`);
    t.equal(answer.status, 200);
    t.same(JSON.parse(answer.body), lonely.listenersFor(node));
    t.equal(lonely.stats().webhookErrors.webhookListListeners, 1);
  });
});

t.test('Pilot 0.7 listener shapes (§3.2)', async (t) => {
  const pilot = new PilotFake({ workloads, services });
  const doc = pilot.listenersFor(sidecarNodeId(workloads[0])) as Json;
  const byName = new Map<string, Json>((doc.listeners as Json[]).map((l) => [l.name, l]));
  const virtual = byName.get('virtual')!;
  t.match(virtual, { address: 'tcp://0.0.0.0:15001', use_original_dst: true });
  const ssl = { cert_chain_file: '/etc/certs/cert-chain.pem', private_key_file: '/etc/certs/key.pem', ca_cert_file: '/etc/certs/root-cert.pem', require_client_certificate: true };
  const http8080 = byName.get('http_10.9.0.5_8080')!;
  t.equal(http8080.address, 'tcp://10.9.0.5:8080');
  t.same(http8080.ssl_context, ssl);
  t.same(http8080.filters.map((f: Json) => f.name), ['http_connection_manager']);
  t.same(http8080.filters[0].config.filters.map((f: Json) => f.name), ['mixer', 'cors', 'router']);
  const tcp5432 = byName.get('tcp_10.9.0.5_5432')!;
  t.same(tcp5432.ssl_context, ssl);
  t.same(tcp5432.filters.map((f: Json) => f.name), ['mixer', 'tcp_proxy']);
  t.ok(byName.has('http_0.0.0.0_80'), 'outbound HTTP on 0.0.0.0');
  t.ok(byName.has('tcp_10.96.5.1_5432'), 'outbound TCP on the cluster IP');
  t.notOk(byName.get('http_0.0.0.0_80')!.ssl_context, 'outbound listeners have no ssl_context');
  const clusters = pilot.clustersFor(sidecarNodeId(workloads[1])) as Json;
  const out = (clusters.clusters as Json[]).find((c) => c.name === 'out.api.shop.svc.cluster.local|http')!;
  t.same(out.ssl_context.verify_subject_alt_name, ['spiffe://cluster.local/ns/shop/sa/api']);
  const inbound = (pilot.clustersFor(sidecarNodeId(workloads[0])) as Json).clusters.find((c: Json) => c.name === 'in.8080');
  t.same(inbound.hosts, [{ url: 'tcp://127.0.0.1:8080' }]);
});

t.test('RDS virtual host domains as Istio 0.7 BuildVirtualHost lists them', async (t) => {
  const pilot = new PilotFake({ workloads, services });
  const fromSame = pilot.routesFor('80', sidecarNodeId(workloads[1])) as Json;
  t.same(fromSame.virtual_hosts[0].domains, [
    'api:80', 'api', 'api.shop:80', 'api.shop', 'api.shop.svc:80', 'api.shop.svc', 'api.shop.svc.cluster:80', 'api.shop.svc.cluster',
    'api.shop.svc.cluster.local:80', 'api.shop.svc.cluster.local', '10.96.5.1:80', '10.96.5.1',
  ]);
  const fromOther = pilot.routesFor('80', 'sidecar~10.9.9.9~x.other~other.svc.cluster.local') as Json;
  t.same(fromOther.virtual_hosts[0].domains.slice(0, 2), ['api.shop:80', 'api.shop'], 'another namespace starts at <name>.<ns>');
  t.equal(fromOther.virtual_hosts[0].domains.length, 10);
});
