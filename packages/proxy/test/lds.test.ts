// LDS parsing: the 2018 pilot-webhook output is understood; bad config is rejected whole with JSON paths.
import t from 'tap';
import { parseLds, startSidecar, LdsConfigError } from '../src/index';
import * as path from 'node:path';
import { createCertificateAuthority } from '@alpsim/pki';
import { eventually, httpListener, ldsWith, startAuthzServer, startEchoApp, tcpListener, tempDir } from './helpers/servers';

t.test('webhook-modified Istio 0.7 listeners', async (t) => {
  const parsed = parseLds(ldsWith(httpListener('10.1.1.0', 1081, true), tcpListener('10.1.1.0', 1090, true), httpListener('10.1.1.0', 1082, false)));
  t.same(parsed.skipped.map((s) => s.name), ['virtual']);
  const [http, tcp, plain] = parsed.listeners;
  t.equal(http.kind, 'http');
  if (http.kind !== 'http') return;
  t.same(http.address, { ip: '10.1.1.0', port: 1081 });
  t.same(http.httpFilters.map((f) => [f.name, f.role]), [['envoy.ext_authz', 'ext_authz'], ['mixer', 'noop'], ['cors', 'noop'], ['router', 'router']]);
  const authz = http.httpFilters[0];
  t.same(authz.role === 'ext_authz' && authz.config, { clusterName: 'calico.dikastes', timeoutMs: undefined, failureModeAllow: undefined, statPrefix: undefined });
  t.same(http.virtualHosts, [{ name: 'inbound|1081', domains: ['*'], routes: [{ cluster: 'in.1081', prefix: '/', path: undefined }] }]);
  t.equal(http.ssl?.requireClientCertificate, true);
  t.equal(tcp.kind, 'tcp');
  if (tcp.kind !== 'tcp') return;
  t.same(tcp.networkFilters.map((f) => f.role), ['ext_authz', 'noop', 'tcp_proxy']);
  t.equal(tcp.networkFilters[0].role === 'ext_authz' && tcp.networkFilters[0].config.statPrefix, 'envoy.ext_authz');
  t.equal(plain.kind === 'http' && plain.httpFilters[0].name, 'mixer');
});

t.test('modern filter config shape', async (t) => {
  const l = httpListener('10.0.0.1', 80, false) as { filters: { config: { filters: object[] } }[] };
  l.filters[0].config.filters.unshift({ type: 'decoder', name: 'envoy.ext_authz', config: { grpc_service: { envoy_grpc: { cluster_name: 'calico.dikastes' }, timeout: '0.5s' }, failure_mode_allow: true } });
  const [http] = parseLds({ listeners: [l] }).listeners;
  const f = http.kind === 'http' ? http.httpFilters[0] : undefined;
  t.same(f?.role === 'ext_authz' && f.config, { clusterName: 'calico.dikastes', timeoutMs: 500, failureModeAllow: true, statPrefix: undefined });
});

t.test('bad input is rejected with every problem and its path', async (t) => {
  const err = t.throws(() => parseLds('not JSON', 'http://unix/v1/listeners/istio-proxy/sidecar~10.0.0.1~a.ns~ns.svc.cluster.local')) as LdsConfigError;
  t.equal(err.userError, true);
  t.match(err.message, /^http:\/\/unix\/v1\/listeners\/istio-proxy\/sidecar~10\.0\.0\.1~a\.ns~ns\.svc\.cluster\.local: LDS config rejected/);
  t.match(err.message, /not JSON .*body starts with "not JSON"/);

  t.throws(() => parseLds('could not parse request JSON\n'), /LDS: LDS config rejected.*\n.*not JSON.*body starts with "could not parse request JSON\\n"/, "the webhook's 400 text served by Pilot as config");
  t.throws(() => parseLds({ clusters: [] }), /listeners: expected \{"listeners": \[\.\.\.\]\}/);

  const bad = ldsWith(httpListener('10.0.0.1', 80, true), tcpListener('10.0.0.1', 81, true)) as { listeners: Record<string, unknown>[] };
  const http = bad.listeners[1] as { filters: { config: { filters: { name: string; config?: unknown }[] } }[] };
  http.filters[0].config.filters[0].config = { grpc_cluster: {} };
  http.filters[0].config.filters[2].name = 'lua';
  const tcp = bad.listeners[2] as { filters: { config: Record<string, unknown> }[] };
  delete tcp.filters[0].config.stat_prefix;
  bad.listeners.push({ name: 'http_10.0.0.1_82', address: '10.0.0.1:82', filters: [] });
  const e = t.throws(() => parseLds(bad, 'lds.json')) as LdsConfigError;
  t.same(e.problems, [
    'listeners[1].filters[0].config.filters[0].config.grpc_cluster.cluster_name: expected a non-empty string',
    'listeners[1].filters[0].config.filters[2].name: unknown HTTP filter "lua" (Envoy rejects a listener naming a filter it does not have)',
    'listeners[2].filters[0].config.stat_prefix: required for the network ext_authz filter',
    'listeners[3].address: expected "tcp://<ip>:<port>", got "10.0.0.1:82"',
  ]);
  t.match(e.message, /^lds\.json: LDS config rejected \(4 problems\):\n  lds\.json: listeners\[1\]/);
});

t.test('startSidecar refuses bad config before binding anything', async (t) => {
  t.throws(() => parseLds('{"listeners": [\n  {"name": "x",\n'), /LDS:3:1: LDS config rejected/);
  await t.rejects(startSidecar({ lds: '{"listeners": [', workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1' }), { userError: true, message: /not JSON/ });
  await t.rejects(startSidecar({ lds: ldsWith(httpListener('10.0.0.1', 80, true)), workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1' }),
    { userError: true, message: /listener http_10\.0\.0\.1_80 has an ssl_context but no certs were given/ });
  await t.rejects(startSidecar({ lds: ldsWith(httpListener('10.0.0.1', 80, true)), workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1', clusters: { 'calico.dikastes': 'tcp://127.0.0.1:9' } }),
    { userError: true, message: /ext_authz cluster "calico.dikastes" is not a Unix socket \(127\.0\.0\.1:9\)/ });
  const ca = createCertificateAuthority({ keyType: 'ec' });
  const one = ca.issueWorkload({ namespace: 'a', serviceAccount: 'one' });
  const two = ca.issueWorkload({ namespace: 'a', serviceAccount: 'two' });
  await t.rejects(startSidecar({ lds: ldsWith(), workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1', certs: { ...one, certChainPem: 'garbage' } }),
    { userError: true, message: /certs\.certChainPem: not a PEM certificate/ });
  await t.rejects(startSidecar({ lds: ldsWith(httpListener('10.0.0.1', 80, false)), workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1', certs: { ...one, keyPem: two.keyPem } }),
    { userError: true, message: /listener http_10\.0\.0\.1_80: cannot use options\.certs \(.*key values mismatch/ });
  const first = await startSidecar({ lds: ldsWith(httpListener('10.0.0.1', 80, false)), workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1', certs: one });
  t.teardown(() => first.close());
  await t.rejects(startSidecar({ lds: ldsWith(httpListener('10.0.0.1', 80, false)), workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1', certs: one, listenPorts: { 80: first.listener(80)!.address.port } }),
    { userError: true, message: /listener http_10\.0\.0\.1_80: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/ });
  await t.rejects(startSidecar({ lds: ldsWith(), workloadIp: '10.0.0.1', loopbackAddress: '127.0.0.1', clusters: { 'in.80': 'somewhere' } }),
    { userError: true, message: /clusters\.in\.80: expected/ });
});

t.test('updateLds: bad config rejected whole (last good keeps serving); good config applied per listener', async (t) => {
  const ca = createCertificateAuthority({ keyType: 'ec' });
  const dir = tempDir();
  const authz = await startAuthzServer(path.join(dir, 'authz.sock'), { kind: 'deny' });
  const app = await startEchoApp();
  const lines: string[] = [];
  const b = await startSidecar({
    lds: ldsWith(httpListener('10.4.0.2', 8080, false), httpListener('10.4.0.2', 9090, false)), workloadIp: '10.4.0.2', loopbackAddress: '127.0.40.2',
    certs: ca.issueWorkload({ namespace: 'a', serviceAccount: 'b' }), authzTimeoutMs: 2000,
    clusters: { 'calico.dikastes': authz.socketPath, 'in.8080': `127.0.0.1:${app.port}`, 'in.9090': `127.0.0.1:${app.port}`, 'in.7070': `127.0.0.1:${app.port}` },
    logger: (line) => lines.push(line),
  });
  const a = await startSidecar({ lds: ldsWith(), workloadIp: '10.4.0.1', loopbackAddress: '127.0.40.1', certs: ca.issueWorkload({ namespace: 'a', serviceAccount: 'a' }) });
  t.teardown(async () => { await a.close(); await b.close(); await authz.close(); await app.close(); });
  const port8080 = b.listener(8080)!.address.port;
  const get = (port: number) => a.request({ to: { loopbackAddress: '127.0.40.2', listenPort: b.listener(port)!.address.port }, path: '/' });
  t.equal((await get(8080)).status, 200, 'unchecked before the update');

  // What Pilot would serve if the webhook answered 400: rejected, nothing changes.
  await t.rejects(b.updateLds('could not parse request JSON\n', 'Pilot LDS poll'), { userError: true, message: /Pilot LDS poll: LDS config rejected/ });
  t.equal(b.counters.get('listener_manager.lds.update_rejected'), 1);
  t.match(lines.at(-1), /config: LDS update rejected, previous listeners keep serving: Pilot LDS poll/);
  t.equal((await get(8080)).status, 200, 'still serving the last good config');

  const result = await b.updateLds(ldsWith(httpListener('10.4.0.2', 8080, true), httpListener('10.4.0.2', 7070, false)), 'webhook LDS');
  t.same(result, { added: ['http_10.4.0.2_7070'], modified: ['http_10.4.0.2_8080'], removed: ['http_10.4.0.2_9090'] });
  t.same(b.listeners.map((l) => l.name), ['http_10.4.0.2_8080', 'http_10.4.0.2_7070']);
  t.equal(b.listener(8080)!.address.port, port8080, 'a modified listener keeps its port');
  t.ok(b.listener(8080)!.extAuthz);
  t.notOk(b.listener(9090));
  // A pooled client connection may race the drain once (503, as with Envoy); the next request uses a new connection.
  t.equal((await eventually(() => get(8080), (r) => r.status !== 503)).status, 403, 'new connections get the new filter chain');
  t.equal((await get(7070)).status, 200);
  t.equal(b.counters.get('listener_manager.lds.update_success'), 2);
});
