// The inbound filter chain against a real ext_authz gRPC server (written in the test) over a Unix socket,
// with real mTLS between two sidecars and a real upstream app.
import t from 'tap';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { AuthzApiVersion } from '@alpsim/proto';
import { plaintextRequest, startSidecar, type Sidecar } from '../src/index';
import { createCertificateAuthority } from '@alpsim/pki';
import { eventually, httpListener, ldsWith, startAuthzServer, startEchoApp, startTcpEcho, tcpListener, tempDir } from './helpers/servers';

const ca = createCertificateAuthority({ trustDomain: 'cluster.local' });
const clientSvid = ca.issueWorkload({ namespace: 'frontend', serviceAccount: 'web' });
const serverSvid = ca.issueWorkload({ namespace: 'backend', serviceAccount: 'api' });
const spiffe = (ns: string, sa: string) => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
const POD_A = '10.1.1.4';
const POD_B = '10.1.1.5';
const LOOP_A = '127.0.10.4';
const LOOP_B = '127.0.10.5';

t.test('inbound HTTP and TCP through ext_authz', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket);
  const app = await startEchoApp('backend');
  const tcpApp = await startTcpEcho();
  const lines: string[] = [];
  const startB = (extra: Partial<Parameters<typeof startSidecar>[0]> = {}) => startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true), httpListener(POD_B, 9090, false), tcpListener(POD_B, 5432, true),
      { address: 'tcp://0.0.0.0:80', name: 'http_0.0.0.0_80', filters: [{ type: 'read', name: 'http_connection_manager', config: { rds: { cluster: 'rds', route_config_name: '80' }, filters: [{ type: 'decoder', name: 'router', config: {} }] } }] }),
    workloadIp: POD_B,
    loopbackAddress: LOOP_B,
    peerIps: { [LOOP_A]: POD_A },
    certs: serverSvid,
    clusters: { 'calico.dikastes': `unix://${authzSocket}`, 'in.8080': `http://127.0.0.1:${app.port}`, 'in.9090': `127.0.0.1:${app.port}`, 'in.5432': `tcp://127.0.0.1:${tcpApp.port}` },
    logger: (line) => lines.push(line),
    // Far above the 200 ms default so a loaded CI box cannot turn an answer into a timeout.
    authzTimeoutMs: 2000,
    ...extra,
  });
  const b = await startB();
  const a = await startSidecar({ lds: ldsWith(), workloadIp: POD_A, loopbackAddress: LOOP_A, certs: clientSvid });
  t.teardown(async () => { await a.close(); await b.close(); await authz.close(); await app.close(); await tcpApp.close(); });

  const to = (s: Sidecar, port: number) => ({ ip: POD_B, port, loopbackAddress: LOOP_B, listenPort: s.listener(port)!.address.port, expectedSpiffeId: spiffe('backend', 'api') });

  t.same(b.listeners.map((l) => l.name), [`http_${POD_B}_8080`, `http_${POD_B}_9090`, `tcp_${POD_B}_5432`], 'inbound listeners bound; virtual and outbound skipped');
  t.same(b.listener(8080)!.filters, ['envoy.ext_authz', 'mixer', 'cors', 'router']);
  t.equal(b.listener(8080)!.address.host, LOOP_B);
  t.same(b.skipped.map((s) => s.name), ['virtual', 'http_0.0.0.0_80']);

  await t.test('allow: forwarded to the app, its status and body relayed', async (t) => {
    authz.behaviour = { kind: 'allow' };
    const before = app.requests;
    const res = await a.request({ to: to(b, 8080), method: 'GET', path: '/api/items?limit=2', headers: { 'x-custom': 'Yes' } });
    t.equal(res.status, 200);
    const echoed = JSON.parse(res.body);
    t.equal(echoed.app, 'backend');
    t.equal(echoed.url, '/api/items?limit=2');
    t.equal(echoed.headers['x-custom'], 'Yes');
    t.equal(echoed.headers['x-forwarded-proto'], 'https');
    t.match(echoed.headers['x-request-id'], /^[0-9a-f-]{36}$/);
    t.equal(echoed.headers.host, `${POD_B}:8080`);
    t.equal(res.headers.server, 'envoy');
    t.equal(app.requests, before + 1);
    t.equal(b.counters.get('ext_authz.ok'), 1);
    t.equal(b.counters.get('ext_authz.ok', `http_${POD_B}_8080`), 1);
    t.equal(b.counters.get('upstream_rq_200'), 1);
  });

  await t.test('deny: 403 with an empty body, app never called', async (t) => {
    authz.behaviour = { kind: 'deny' };
    const before = app.requests;
    const res = await a.request({ to: to(b, 8080), method: 'POST', path: '/api/items', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
    t.equal(res.status, 403);
    t.equal(res.body, '');
    t.equal(res.headers['content-length'], '0');
    t.equal(app.requests, before, 'no upstream request');
    t.equal(b.counters.get('ext_authz.denied'), 1);
    t.equal(b.counters.get('upstream_rq_403'), 1);
    t.equal(b.counters.get('upstream_rq_4xx'), 1);
    // The access-log line is written when the server side of the stream closes, which may follow the client's read.
    const postLine = () => b.logLines().filter((l) => l.includes('"POST /api/items')).at(-1) ?? '';
    t.match(await eventually(postLine, (l) => l !== ''), new RegExp(`http_${POD_B}_8080 "POST /api/items HTTP/1.1" 403 UAEX authz=denied src=${POD_A}:\\d+ principal=spiffe://cluster.local/ns/frontend/sa/web`));
    // UNAVAILABLE inside a successful reply (Dikastes not yet synced) is a denial, not an error.
    authz.behaviour = { kind: 'deny', code: 14 };
    const unsynced = await a.request({ to: to(b, 8080), path: '/' });
    t.equal(unsynced.status, 403);
    t.equal(b.counters.get('ext_authz.denied'), 2);
    t.equal(b.counters.get('ext_authz.error'), 0);
  });

  await t.test('gRPC error reply: 403 (fail closed)', async (t) => {
    authz.behaviour = { kind: 'grpc-error', code: 13 };
    const res = await a.request({ to: to(b, 8080), path: '/' });
    t.equal(res.status, 403);
    t.equal(b.counters.get('ext_authz.error'), 1);
    t.ok(lines.some((l) => l.includes('authz: Check on calico.dikastes') && l.includes('INTERNAL')), 'error logged with the gRPC code');
  });

  await t.test('timeout: a slow authz server counts as an error', async (t) => {
    const slow = await startB({ authzTimeoutMs: 100 });
    t.teardown(() => slow.close());
    authz.behaviour = { kind: 'delay', ms: 3000 };
    const started = Date.now();
    const res = await a.request({ to: to(slow, 8080), path: '/' });
    const took = Date.now() - started;
    t.equal(res.status, 403);
    t.ok(took < 2500, `answered at the deadline, not after the server (${took} ms)`);
    t.equal(slow.counters.get('ext_authz.error'), 1);
    t.ok(slow.logLines().some((l) => l.includes('DEADLINE_EXCEEDED')));
  });

  await t.test('client reset while the check is pending cancels the gRPC call', async (t) => {
    authz.behaviour = { kind: 'delay', ms: 1500 };
    const controller = new AbortController();
    const undici = await import('undici');
    const client = new undici.Client(`https://${LOOP_B}:${b.listener(8080)!.address.port}`, {
      connect: { ca: ca.certPem, cert: clientSvid.certChainPem, key: clientSvid.keyPem, checkServerIdentity: () => undefined },
    });
    t.teardown(() => client.destroy());
    const pending = client.request({ path: '/slow', method: 'GET', signal: controller.signal }).catch((e: Error) => e);
    const slowCheck = () => authz.requests.find((r) => r.request.attributes?.request?.http?.path === '/slow');
    await new Promise<void>((resolve) => { const poll = setInterval(() => { if (slowCheck()) { clearInterval(poll); resolve(); } }, 5); });
    controller.abort();
    t.type(await pending, Error);
    await new Promise<void>((resolve) => { const poll = setInterval(() => { if (slowCheck()!.cancelled) { clearInterval(poll); resolve(); } }, 5); });
    t.ok(slowCheck()!.cancelled, 'the authz server saw the call cancelled');
  });

  await t.test('authz server down: 403, or 200 with failure_mode_allow', async (t) => {
    const missing = path.join(dir, 'nobody-home.sock');
    const closed = await startB({ clusters: { 'calico.dikastes': missing, 'in.8080': `127.0.0.1:${app.port}` } });
    const open = await startB({ clusters: { 'calico.dikastes': missing, 'in.8080': `127.0.0.1:${app.port}` }, failureModeAllow: true });
    t.teardown(async () => { await closed.close(); await open.close(); });
    const denied = await a.request({ to: to(closed, 8080), path: '/x' });
    t.equal(denied.status, 403);
    t.equal(denied.body, '');
    t.equal(closed.counters.get('ext_authz.error'), 1);
    const allowed = await a.request({ to: to(open, 8080), path: '/x' });
    t.equal(allowed.status, 200);
    t.equal(JSON.parse(allowed.body).url, '/x');
    t.equal(open.counters.get('ext_authz.error'), 1, 'still counted as an error');
    t.equal(open.counters.get('ext_authz.failure_mode_allowed'), 1);
  });

  await t.test('route to a cluster the sidecar does not know: no check (2018), 503 from the router', async (t) => {
    const lds = ldsWith(httpListener(POD_B, 7070, true)) as { listeners: { filters: { config: { route_config: { virtual_hosts: { routes: { cluster: string }[] }[] } } }[] }[] };
    lds.listeners[1].filters[0].config.route_config.virtual_hosts[0].routes[0].cluster = 'out.nowhere|http';
    const s = await startB({ lds });
    t.teardown(() => s.close());
    authz.behaviour = { kind: 'deny' };
    const checks = authz.requests.length;
    const res = await a.request({ to: { ...to(s, 7070), port: 7070 }, path: '/' });
    t.equal(res.status, 503);
    t.equal(authz.requests.length, checks, 'no Check');
    t.match(await eventually(() => s.logLines().filter((l) => l.includes('"GET /')).at(-1) ?? '', (l) => l !== ''), /503 UH authz=skipped_no_route/);
  });

  await t.test('listener without the filter: forwarded unchecked', async (t) => {
    authz.behaviour = { kind: 'deny' };
    const checks = authz.requests.length;
    const res = await a.request({ to: to(b, 9090), path: '/open' });
    t.equal(res.status, 200);
    t.equal(JSON.parse(res.body).url, '/open');
    t.equal(authz.requests.length, checks, 'no Check was made');
    t.match(await eventually(() => b.logLines().filter((l) => l.includes(`http_${POD_B}_9090 "GET /open`)).at(-1) ?? '', (l) => l !== ''), /authz=unchecked/);
  });

  await t.test('HTTP/2 downstream (ALPN h2) goes through the same chain', async (t) => {
    authz.behaviour = { kind: 'allow' };
    const http2 = await import('node:http2');
    const session = http2.connect(`https://${LOOP_B}:${b.listener(8080)!.address.port}`, {
      ca: ca.certPem, cert: clientSvid.certChainPem, key: clientSvid.keyPem, localAddress: LOOP_A, checkServerIdentity: () => undefined,
    } as import('node:http2').SecureClientSessionOptions);
    t.teardown(() => session.close());
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/h2?q=1', ':method': 'GET', ':authority': 'backend.svc:8080' });
      let status = 0; const chunks: Buffer[] = [];
      req.on('response', (h) => { status = Number(h[':status']); });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
      req.on('error', reject);
      req.end();
    });
    t.equal(status, 200);
    t.equal(JSON.parse(body).url, '/h2?q=1');
    const http = authz.requests.at(-1)!.request.attributes!.request!.http!;
    t.equal(http.protocol, 'HTTP/2');
    t.equal(http.scheme, 'https');
    t.equal(http.host, 'backend.svc:8080');
    t.equal(http.headers![':scheme'], 'https');
  });

  await t.test('TCP listener: checked on first data; deny closes without forwarding', async (t) => {
    const port = b.listener(5432)!.address.port;
    const talk = (payload: string) => new Promise<{ data: string; closed: boolean }>((resolve, reject) => {
      const socket = tls.connect({ host: LOOP_B, port, localAddress: LOOP_A, ca: ca.certPem, cert: clientSvid.certChainPem, key: clientSvid.keyPem, checkServerIdentity: () => undefined } as tls.ConnectionOptions, () => socket.write(payload));
      let data = '';
      socket.on('data', (d) => { data += d.toString(); if (data === payload) { socket.end(); } });
      socket.on('close', () => resolve({ data, closed: true }));
      socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve({ data, closed: true }) : reject(err)));
    });
    authz.behaviour = { kind: 'allow' };
    const ok = await talk('hello');
    t.equal(ok.data, 'hello', 'allowed bytes reach the app and come back');
    const tcpCheck = authz.requests.at(-1)!.request.attributes!;
    t.same(tcpCheck.source!.address!.socketAddress!.address, POD_A);
    t.equal(tcpCheck.destination!.address!.socketAddress!.portValue, 5432);
    t.equal(tcpCheck.source!.principal, spiffe('frontend', 'web'));
    t.notOk(tcpCheck.request, 'TCP check carries no request attributes');

    authz.behaviour = { kind: 'deny' };
    const receivedBefore = tcpApp.received.length;
    const denied = await talk('secret');
    t.equal(denied.data, '', 'nothing comes back');
    t.ok(denied.closed, 'connection closed');
    t.equal(tcpApp.received.length, receivedBefore, 'held data never forwarded');
    t.equal(b.counters.get('ext_authz.envoy.ext_authz.denied'), 1);
    t.equal(b.counters.get('ext_authz.cx_closed', `tcp_${POD_B}_5432`), 1);
  });

  await t.test('outbound verifies the server SPIFFE ID', async (t) => {
    authz.behaviour = { kind: 'allow' };
    const wrong = await a.request({ to: { ...to(b, 8080), expectedSpiffeId: spiffe('backend', 'impostor') } });
    t.equal(wrong.status, 503);
    t.match(wrong.failure, /match none of the expected SPIFFE IDs \[spiffe:\/\/cluster.local\/ns\/backend\/sa\/impostor\]/);
    const right = await a.request({ to: { ...to(b, 8080), expectedSpiffeId: undefined, expectedSpiffeIds: [spiffe('x', 'y'), spiffe('backend', 'api')] } });
    t.equal(right.status, 200);
  });
});

t.test('CheckRequest attributes, field by field, for each API version', async (t) => {
  for (const version of ['v2', 'v2alpha', 'v3'] as AuthzApiVersion[]) {
    await t.test(version, async (t) => {
      const dir = tempDir();
      const authzSocket = path.join(dir, 'authz.sock');
      const authz = await startAuthzServer(authzSocket);
      const app = await startEchoApp();
      const b = await startSidecar({
        lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B,
        peerIps: new Map([[LOOP_A, POD_A]]), certs: serverSvid, authzApiVersion: version, authzTimeoutMs: 2000,
        clusters: { 'calico.dikastes': authzSocket, 'in.8080': `127.0.0.1:${app.port}` },
      });
      const a = await startSidecar({ lds: ldsWith(), workloadIp: POD_A, loopbackAddress: LOOP_A, certs: clientSvid });
      t.teardown(async () => { await a.close(); await b.close(); await authz.close(); await app.close(); });
      const res = await a.request({
        to: { ip: POD_B, port: 8080, loopbackAddress: LOOP_B, listenPort: b.listener(8080)!.address.port },
        method: 'PUT', path: '/v2/keys/a%20b?recursive=true&x=1', authority: 'database.default.svc.cluster.local:8080',
        headers: { 'X-Mixed-Case': 'Value', 'x-request-id': 'req-123', 'x-envoy-downstream-service-cluster': 'web.frontend' }, body: 'abc',
      });
      t.equal(res.status, 200);
      t.equal(authz.requests.length, 1);
      const { version: served, request } = authz.requests[0];
      t.equal(served, version, `served on envoy.service.auth.${version}.Authorization/Check`);
      const attrs = request.attributes!;
      t.equal(attrs.source!.address!.socketAddress!.address, POD_A, 'source = peer scenario IP');
      t.ok(Number(attrs.source!.address!.socketAddress!.portValue) > 0, 'source port = the peer ephemeral port');
      t.equal(attrs.source!.principal, spiffe('frontend', 'web'));
      t.equal(attrs.source!.service, 'web.frontend', 'x-envoy-downstream-service-cluster');
      t.equal(attrs.destination!.address!.socketAddress!.address, POD_B);
      t.equal(attrs.destination!.address!.socketAddress!.portValue, 8080, 'scenario port, not the bound port');
      t.equal(attrs.destination!.principal, spiffe('backend', 'api'));
      const http = attrs.request!.http!;
      t.match(http.id, /^\d+$/, 'decimal stream id');
      t.not(http.id, 'req-123');
      t.equal(http.method, 'PUT');
      t.equal(http.path, '/v2/keys/a%20b?recursive=true&x=1', 'path with query, not decoded');
      t.equal(http.host, 'database.default.svc.cluster.local:8080');
      t.equal(http.scheme, '', '2018 Envoy leaves scheme empty on HTTP/1.1');
      t.equal(http.protocol, 'HTTP/1.1');
      t.equal(Number(http.size ?? 0), 0);
      const h = http.headers!;
      t.equal(h[':authority'], 'database.default.svc.cluster.local:8080');
      t.equal(h[':method'], 'PUT');
      t.equal(h[':path'], '/v2/keys/a%20b?recursive=true&x=1');
      t.equal(h['x-mixed-case'], 'Value', 'keys lower-cased, values kept');
      t.equal(h['x-request-id'], 'req-123', 'client request id kept');
      t.equal(h['x-forwarded-proto'], 'https');
      t.equal(h['content-length'], '3');
      t.notOk('host' in h, 'Host folded into :authority');
      t.notOk(':scheme' in h);
      t.notOk(attrs.request!.time, '2018 Envoy sets no request.time');
    });
  }
});

t.test('compat modern: :scheme, request.time and denied_response', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket, { kind: 'custom', answer: () => ({ status: { code: 7 }, deniedResponse: { status: { code: 401 }, body: 'go away' } }) });
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B, certs: serverSvid,
    authzApiVersion: 'v3', compat: 'modern', authzTimeoutMs: 2000, clusters: { 'calico.dikastes': authzSocket },
  });
  const a = await startSidecar({ lds: ldsWith(), workloadIp: POD_A, loopbackAddress: LOOP_A, certs: clientSvid });
  t.teardown(async () => { await a.close(); await b.close(); await authz.close(); });
  const res = await a.request({ to: { loopbackAddress: LOOP_B, listenPort: b.listener(8080)!.address.port }, path: '/' });
  t.equal(res.status, 401);
  t.equal(res.body, 'go away');
  const attrs = authz.requests[0].request.attributes!;
  t.equal(attrs.request!.http!.scheme, 'https');
  t.equal(attrs.request!.http!.headers![':scheme'], 'https');
  t.ok(attrs.request!.time, 'request.time set');
  t.equal(attrs.source!.address!.socketAddress!.address, LOOP_A, 'no peer map: the loopback address itself');
});

t.test('plaintext listener (mesh mTLS off): checked with empty principals, bare clients welcome', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket);
  const app = await startEchoApp();
  const plain = httpListener(POD_B, 8080, true) as Record<string, unknown>;
  delete plain.ssl_context;
  const b = await startSidecar({
    lds: ldsWith(plain), workloadIp: POD_B, loopbackAddress: LOOP_B, peerIps: { '127.0.10.99': '192.168.7.7' },
    authzTimeoutMs: 2000, clusters: { 'calico.dikastes': authzSocket, 'in.8080': `127.0.0.1:${app.port}` },
  });
  t.teardown(async () => { await b.close(); await authz.close(); await app.close(); });
  t.equal(b.listener(8080)!.tls, false);
  const res = await plaintextRequest({ to: { loopbackAddress: LOOP_B, listenPort: b.listener(8080)!.address.port, ip: POD_B, port: 8080 }, localAddress: '127.0.10.99', path: '/p?x=1' });
  t.equal(res.status, 200);
  const attrs = authz.requests[0].request.attributes!;
  t.equal(attrs.source!.address!.socketAddress!.address, '192.168.7.7', 'bare source IP mapped back to its scenario IP');
  t.equal(attrs.source!.principal ?? '', '', 'no identity without TLS');
  t.equal(attrs.destination!.principal ?? '', '');
  t.equal(attrs.request!.http!.headers!['x-forwarded-proto'], 'http');
});
