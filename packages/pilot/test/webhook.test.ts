import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { startPilotWebhook } from '../src/index';
import { captureLog, type Reply, requestUnix, tempDir } from './helpers';

const NODE_IP = '3.4.5.6';
const serviceNode = (type: string, ip: string) => `${type}~${ip}~other~items`;
const ldsPath = (node: string) => `/v1/listeners/testcluster/${node}`;

/** A webhook on a fresh socket, closed at teardown. */
async function webhook(t: { teardown(fn: () => unknown): void }, debug = true) {
  const dir = tempDir(t);
  const log = captureLog();
  const hook = await startPilotWebhook(path.join(dir, 'webhook.sock'), { debug, log: log.write, stdout: log.write });
  t.teardown(() => hook.close());
  const post = (urlPath: string, body: string) => requestUnix(hook.socketPath, 'POST', urlPath, body);
  return { hook, log, post, dir };
}
function ok(reply: Reply): { status: number; body: string } {
  if ('error' in reply) throw new Error(`transport error: ${reply.error}`);
  return reply;
}

// The bodies below are what Go's json.Marshal makes of the Go test fixtures (empty fields included).
t.test('TestListenersMainline: inbound HTTP listener gets envoy.ext_authz first, outbound unchanged', async (t) => {
  const { post } = await webhook(t);
  const outbound = { address: '', name: 'http_0.0.0.0_80', filters: null, bind_to_port: false };
  const body = JSON.stringify({
    listeners: [
      outbound,
      {
        address: '',
        name: `http_${NODE_IP}_43`,
        filters: [{ type: '', name: 'http_connection_manager', config: { codec_type: '', stat_prefix: '', filters: [{ type: '', name: 'cors', config: null }], access_log: null } }],
        bind_to_port: false,
      },
    ],
  });
  const reply = ok(await post(ldsPath(serviceNode('sidecar', NODE_IP)), body));
  t.equal(reply.status, 200);
  const lds = JSON.parse(reply.body);
  t.same(lds.listeners[0], outbound, 'outbound listener unchanged');
  const hcm = lds.listeners[1].filters[0].config;
  t.equal(hcm.filters.length, 2, 'HCM now has 2 filters');
  t.equal(hcm.filters[0].name, 'envoy.ext_authz');
  t.same(hcm.filters[0], { type: 'decoder', name: 'envoy.ext_authz', config: { grpc_cluster: { cluster_name: 'calico.dikastes' } } });
  t.same(hcm.filters[1], { type: '', name: 'cors', config: null }, 'existing filter kept after it');
});

t.test('TestListenersBadReq: body "not JSON" answers 400', async (t) => {
  const { post, log } = await webhook(t);
  const reply = ok(await post(ldsPath(serviceNode('sidecar', NODE_IP)), 'not JSON'));
  t.equal(reply.status, 400);
  t.equal(reply.body, 'could not parse request JSON');
  t.match(log.lines.join('\n'), /level=error msg="failed to decode JSON"/);
});

t.test('TestListenersNotSidecar: ingress node body echoed byte for byte', async (t) => {
  const { post } = await webhook(t);
  const body = '{"listeners": []}';
  const reply = ok(await post(ldsPath(serviceNode('ingress', NODE_IP)), body));
  t.equal(reply.status, 200);
  t.equal(reply.body, body);
  // Not decoded at all, so even garbage goes through for non-sidecar nodes.
  t.equal(ok(await post(ldsPath(serviceNode('router', NODE_IP)), 'not JSON')).body, 'not JSON');
});

t.test('TestUpdateListenersSkipped: outbound and virtual listeners are left alone', async (t) => {
  const { post, log } = await webhook(t);
  for (const listener of [
    { address: '', name: 'http_10.65.8.9_443', filters: null, bind_to_port: false },
    { address: '', name: 'virtual', filters: null, bind_to_port: false },
  ]) {
    const body = JSON.stringify({ listeners: [listener] });
    const reply = ok(await post(ldsPath(serviceNode('sidecar', '1.2.3.4')), body));
    t.equal(reply.status, 200);
    t.equal(reply.body, body, `${listener.name} re-encoded identically`);
  }
  t.match(log.lines.join('\n'), /msg="Skipping outbound listener" name=http_10.65.8.9_443/);
  t.match(log.lines.join('\n'), /msg="Skipping virtual listener"/);
});

t.test('TestUpdateListenersTCP: inbound TCP listener gets a read filter first', async (t) => {
  const { post } = await webhook(t);
  const body = JSON.stringify({ listeners: [{ address: '', name: 'tcp_1.2.3.4_76', filters: [{ type: '', name: 'tcp_proxy', config: null }], bind_to_port: false }] });
  const reply = ok(await post(ldsPath(serviceNode('sidecar', '1.2.3.4')), body));
  t.equal(reply.status, 200);
  // Exact bytes: Go writes struct fields in declaration order (stat_prefix before grpc_cluster).
  t.equal(
    reply.body,
    '{"listeners":[{"address":"","name":"tcp_1.2.3.4_76","filters":[' +
      '{"type":"read","name":"envoy.ext_authz","config":{"stat_prefix":"envoy.ext_authz","grpc_cluster":{"cluster_name":"calico.dikastes"}}},' +
      '{"type":"","name":"tcp_proxy","config":{"stat_prefix":"","route_config":null}}],"bind_to_port":false}]}',
  );
});

for (const [name, route, body] of [
  ['TestClusterPassthru', `/v1/clusters/testcluster/${serviceNode('sidecar', NODE_IP)}`, 'testing CDS'],
  ['TestRoutesPassthru', `/v1/routes/testrds/testcluster/${serviceNode('sidecar', NODE_IP)}`, 'testing RDS'],
  ['TestEndpointsPassthru', '/v1/registration/testeds', 'testing EDS'],
] as const) {
  t.test(`${name}: body echoed with 200`, async (t) => {
    const { post } = await webhook(t);
    const reply = ok(await post(route, body));
    t.equal(reply.status, 200);
    t.equal(reply.body, body);
  });
}

t.test('socket: stale file removed, mode 0777, removed on close', async (t) => {
  const dir = tempDir(t);
  const socketPath = path.join(dir, 'stale.sock');
  fs.writeFileSync(socketPath, 'left over from a crash');
  const log = captureLog();
  const hook = await startPilotWebhook(socketPath, { log: log.write });
  const stat = fs.statSync(socketPath);
  t.ok(stat.isSocket(), 'a socket replaced the stale file');
  t.equal(stat.mode & 0o777, 0o777, 'chmod 0777');
  t.equal(ok(await requestUnix(socketPath, 'POST', '/v1/registration/x', 'hi')).body, 'hi');
  await hook.close();
  t.notOk(fs.existsSync(socketPath), 'socket removed on close');
  await t.rejects(startPilotWebhook(path.join(dir, 'missing-dir', 'w.sock'), { log: log.write }), /unable to listen/);
  t.match(log.lines.at(-1), /level=fatal msg="Unable to listen\."/);
});

t.test('go-restful routing answers: 404, 405, 415, 406', async (t) => {
  const { hook } = await webhook(t);
  const node = serviceNode('sidecar', NODE_IP);
  const cases: [string, string, string | undefined, Record<string, string>, number, string][] = [
    ['POST', '/v1/unknown', '{}', { 'Content-Type': 'application/json' }, 404, '404: Page Not Found'],
    ['POST', `/v1/listeners/${node}`, '{}', { 'Content-Type': 'application/json' }, 404, '404: Page Not Found'],
    ['GET', `/v1/listeners/c/${node}`, undefined, {}, 405, '405: Method Not Allowed'],
    ['POST', `/v1/listeners/c/${node}`, '{}', { 'Content-Type': 'text/plain' }, 415, '415: Unsupported Media Type'],
    ['POST', `/v1/listeners/c/${node}`, '{}', {}, 415, '415: Unsupported Media Type'],
    ['POST', `/v1/listeners/c/${node}`, '{}', { 'Content-Type': 'application/json', Accept: 'text/html' }, 406, '406: Not Acceptable'],
    ['POST', `/v1/listeners/c/${node}`, '{}', { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' }, 200, '{"listeners":null}'],
    ['POST', '/v1/listeners/c/%E0%A4%A', '{}', { 'Content-Type': 'application/json' }, 400, '400 Bad Request'],
  ];
  for (const [method, urlPath, body, headers, status, text] of cases) {
    const reply = ok(await requestUnix(hook.socketPath, method, urlPath, body, headers));
    t.equal(reply.status, status, `${method} ${urlPath} ${JSON.stringify(headers)} → ${status}`);
    t.equal(reply.body, text);
  }
});
