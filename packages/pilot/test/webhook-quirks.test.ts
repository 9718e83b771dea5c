import * as path from 'node:path';
import t from 'tap';
import { startPilotWebhook } from '../src/index';
import { captureLog, requestUnix, tempDir } from './helpers';

const NODE = 'sidecar~10.1.1.5~web-1.default~default.svc.cluster.local';

async function webhook(t: { teardown(fn: () => unknown): void }) {
  const log = captureLog();
  const hook = await startPilotWebhook(path.join(tempDir(t), 'w.sock'), { debug: true, log: log.write, stdout: log.write });
  t.teardown(() => hook.close());
  const post = (body: string, node = NODE) => requestUnix(hook.socketPath, 'POST', `/v1/listeners/istio-proxy/${node}`, body);
  return { hook, log, post };
}

const hcm = (filters: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'read', name: 'http_connection_manager', config: { codec_type: 'auto', stat_prefix: 'http', filters, ...extra } });

t.test('quirk: mongo/redis inbound listeners count as HTTP, have no HCM and stay untouched', async (t) => {
  const { post, log } = await webhook(t);
  const mongo = { address: 'tcp://10.1.1.5:27017', name: 'mongo_10.1.1.5_27017', filters: [{ type: 'both', name: 'mongo_proxy', config: { stat_prefix: 'mongo' } }, { type: 'read', name: 'tcp_proxy', config: { stat_prefix: 'tcp', route_config: null } }], bind_to_port: false };
  const reply = await post(JSON.stringify({ listeners: [mongo] }));
  if ('error' in reply) throw new Error(reply.error);
  t.equal(reply.status, 200);
  t.same(JSON.parse(reply.body).listeners[0].filters.map((f: { name: string }) => f.name), ['mongo_proxy', 'tcp_proxy'], 'no envoy.ext_authz on a mongo listener');
  t.match(log.lines.join('\n'), /level=error msg="tried to add HTTP Authz filter to non-HTTP listener" listener=mongo_10.1.1.5_27017/);
});

t.test('quirk: strict v1 decoding — unknown network filter names and type errors are 400', async (t) => {
  const { post } = await webhook(t);
  const cases: [string, unknown][] = [
    ['unknown filter name', { listeners: [{ name: 'tcp_10.1.1.5_80', filters: [{ type: 'read', name: 'envoy.tcp_proxy', config: {} }] }] }],
    ['our own TCP output fed back (envoy.ext_authz is not a v1 network filter)', { listeners: [{ name: 'tcp_10.1.1.5_80', filters: [{ type: 'read', name: 'envoy.ext_authz', config: {} }] }] }],
    ['filter without name', { listeners: [{ name: 'tcp_10.1.1.5_80', filters: [{ type: 'read' }] }] }],
    ['listeners not an array', { listeners: {} }],
    ['bind_to_port not a bool', { listeners: [{ name: 'virtual', bind_to_port: 'yes' }] }],
    ['stat_prefix not a string', { listeners: [{ name: 'tcp_10.1.1.5_80', filters: [{ type: 'read', name: 'tcp_proxy', config: { stat_prefix: 5 } }] }] }],
    ['body is an array', []],
  ];
  for (const [what, body] of cases) {
    const reply = await post(JSON.stringify(body));
    t.match(reply, { status: 400, body: 'could not parse request JSON' }, what);
  }
});

t.test('quirk: what Go would panic on closes the connection unanswered; the process keeps serving', async (t) => {
  const { post, hook, log } = await webhook(t);
  const cases: [string, string, string][] = [
    ['node without ~', '{"listeners":[]}', 'nonode'],
    ['ingress node without ~ (split happens before the type check)', '{"listeners":[]}', 'ingress'],
    ['network filter without type', JSON.stringify({ listeners: [{ name: 'tcp_10.1.1.5_80', filters: [{ name: 'tcp_proxy', config: {} }] }] }), NODE],
    ['network filter that is not an object', JSON.stringify({ listeners: [{ name: 'tcp_10.1.1.5_80', filters: [42] }] }), NODE],
    ['listener name without _', JSON.stringify({ listeners: [{ name: 'inbound' }] }), NODE],
    ['null listener', '{"listeners":[null]}', NODE],
  ];
  for (const [what, body, node] of cases) {
    const reply = await post(body, node);
    t.ok('error' in reply, `${what}: no response (${JSON.stringify(reply)})`);
  }
  t.equal(hook.stats.panics, cases.length);
  t.match(log.lines.filter((l) => l.includes('http: panic serving')).length, cases.length);
  const after = await post('{"listeners":[]}');
  t.match(after, { status: 200, body: '{"listeners":[]}' }, 'still serving afterwards');
});

t.test('quirk: re-encoding through Istio v1 structs normalises the body', async (t) => {
  const { post } = await webhook(t);
  const listener = {
    zzz_unknown: 'dropped',
    bind_to_port: true,
    name: 'http_10.1.1.5_8080',
    address: 'tcp://10.1.1.5:8080',
    filters: [hcm([{ name: 'mixer', type: 'decoder', config: { z: 1, a: { y: 2, b: 3 } } }, { type: 'decoder', name: 'router', config: {} }], { Unknown: 1, ROUTE_CONFIG: { validate_clusters: true, virtual_hosts: [] } })],
    ssl_context: { cert_chain_file: '/etc/certs/cert-chain.pem', private_key_file: '/etc/certs/key.pem', ca_cert_file: '/etc/certs/root-cert.pem', require_client_certificate: true },
  };
  const reply = await post(JSON.stringify({ listeners: [listener], extra: true }));
  if ('error' in reply) throw new Error(reply.error);
  t.equal(reply.status, 200);
  t.equal(
    reply.body,
    '{"listeners":[{"address":"tcp://10.1.1.5:8080","name":"http_10.1.1.5_8080","filters":[{"type":"read","name":"http_connection_manager","config":{' +
      '"codec_type":"auto","stat_prefix":"http","route_config":{"validate_clusters":true,"virtual_hosts":[]},"filters":[' +
      '{"type":"decoder","name":"envoy.ext_authz","config":{"grpc_cluster":{"cluster_name":"calico.dikastes"}}},' +
      '{"type":"decoder","name":"mixer","config":{"a":{"b":3,"y":2},"z":1}},{"type":"decoder","name":"router","config":{}}],"access_log":null}}],' +
      '"ssl_context":{"cert_chain_file":"/etc/certs/cert-chain.pem","private_key_file":"/etc/certs/key.pem","ca_cert_file":"/etc/certs/root-cert.pem","require_client_certificate":true},' +
      '"bind_to_port":true}]}',
    'field order of the Go structs, unknown keys dropped, case-insensitive field match, HTTP filter config keys sorted',
  );
});

t.test('quirk: Go escapes <, > and & in strings', async (t) => {
  const { post } = await webhook(t);
  const reply = await post(JSON.stringify({ listeners: [{ name: 'virtual', address: '<a&b>' }] }));
  t.match(reply, { status: 200, body: '{"listeners":[{"address":"\\u003ca\\u0026b\\u003e","name":"virtual","filters":null,"bind_to_port":false}]}' });
});

t.test('malformed bodies never crash the process', async (t) => {
  const { post } = await webhook(t);
  const bodies = ['', ' ', '{', '[', 'null', '"x"', '1', 'true', '{"listeners":null}', '{"listeners":[{}]}', '{"listeners":[{"name":""}]}', '{"listeners":[{"name":"http_10.1.1.5_1","filters":null}]}',
    '{"listeners":[{"name":"http_10.1.1.5_1","filters":[null]}]}', '{"listeners":[{"name":"tcp_10.1.1.5_1","filters":[null]}]}', '{"listeners":[{"name":5}]}', '\u0000\u0001', '{"listeners":[{"name":"http_10.1.1.5_1","filters":[{"type":"read","name":"http_connection_manager","config":{"filters":"x"}}]}]}'];
  for (const body of bodies) {
    const reply = await post(body);
    t.ok('error' in reply || [200, 400].includes(reply.status), `${JSON.stringify(body)} → ${'error' in reply ? 'connection closed' : reply.status}`);
  }
  t.match(await post('{"listeners":[]}'), { status: 200 }, 'alive');
  t.match(await post('null'), { status: 200, body: '{"listeners":null}' }, 'JSON null decodes to an empty struct, like Go');
});
