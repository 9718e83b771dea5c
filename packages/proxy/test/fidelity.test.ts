// Independent fidelity checks against spec-envoy-pilot.md §2 and §5 (Envoy's ext_authz behaviour),
// written from the spec text rather than from the implementation. Raw HTTP/1.x over real mTLS so the
// test controls header duplicates, Host, protocol version and the exact request target.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority } from '@alpsim/pki';
import { principalOf, rfc2253Subject, startSidecar } from '../src/index';
import { issueLeaf, makeCa } from './helpers/certs';
import { httpListener, ldsWith, startAuthzServer, startEchoApp, startTcpEcho, tcpListener, tempDir } from './helpers/servers';

const ca = createCertificateAuthority({ trustDomain: 'cluster.local' });
const clientSvid = ca.issueWorkload({ namespace: 'frontend', serviceAccount: 'web' });
const serverSvid = ca.issueWorkload({ namespace: 'backend', serviceAccount: 'api' });
const POD_A = '10.2.1.4';
const POD_B = '10.2.1.5';
const LOOP_A = '127.0.11.4';
const LOOP_B = '127.0.11.5';

/** Send one raw HTTP/1.x request over mTLS from LOOP_A; resolve with the raw response text. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: LOOP_B, port, localAddress: LOOP_A, ca: ca.certPem, cert: clientSvid.certChainPem, key: clientSvid.keyPem,
      ALPNProtocols: ['http/1.1'], checkServerIdentity: () => undefined,
    } as tls.ConnectionOptions, () => socket.write(text));
    let data = '';
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(data) : reject(err)));
  });
}

t.test('HTTP filter: AttributeContext and answer mapping (spec §2.1–§2.3, 2018)', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket);
  const app = await startEchoApp('backend');
  const tcpApp = await startTcpEcho();
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true), tcpListener(POD_B, 6379, true)),
    workloadIp: POD_B,
    loopbackAddress: LOOP_B,
    peerIps: { [LOOP_A]: POD_A },
    certs: serverSvid,
    clusters: { 'calico.dikastes': `unix://${authzSocket}`, 'in.8080': `127.0.0.1:${app.port}`, 'in.6379': `tcp://127.0.0.1:${tcpApp.port}` },
    // no authzTimeoutMs: the filter default (200 ms) must apply
  });
  t.teardown(async () => { await b.close(); await authz.close(); await app.close(); await tcpApp.close(); });
  const port = b.listener(8080)!.address.port;
  // Warm the gRPC channel: the first connect may not fit in the 200 ms default deadline on a loaded box.
  for (let i = 0; i < 5 && b.counters.get('ext_authz.ok') === 0; i++) await rawRequest(port, 'GET /warm HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');

  await t.test('headers, path, host, protocol, id, peers', async (t) => {
    authz.behaviour = { kind: 'allow' };
    const res = await rawRequest(port, 'GET /a%20b/c?x=%2F&y=1 HTTP/1.1\r\nHost: backend.prod:8080\r\nX-Dup: first\r\nX-Dup: second\r\n' +
      'X-Envoy-Downstream-Service-Cluster: frontend-cluster\r\nConnection: close\r\n\r\n');
    t.match(res, /^HTTP\/1\.1 200 /);
    const attrs = authz.requests.at(-1)!.request.attributes!;
    const http = attrs.request!.http!;
    t.equal(http.method, 'GET');
    t.equal(http.path, '/a%20b/c?x=%2F&y=1', 'path with query, not decoded');
    t.equal(http.host, 'backend.prod:8080', 'host = :authority (Host)');
    t.equal(http.protocol, 'HTTP/1.1');
    t.equal(http.scheme, '', '2018: scheme empty for HTTP/1.1');
    t.equal(http.query, '');
    t.equal(http.fragment, '');
    t.match(http.id, /^\d+$/, 'id is a decimal stream id');
    const headers = http.headers!;
    t.equal(headers['x-dup'], 'second', '2018: duplicate headers, last wins');
    t.equal(headers[':authority'], 'backend.prod:8080');
    t.equal(headers[':method'], 'GET');
    t.equal(headers[':path'], '/a%20b/c?x=%2F&y=1');
    t.notOk(':scheme' in headers, 'no :scheme on HTTP/1.1 in 2018');
    t.equal(headers['x-forwarded-proto'], 'https', 'HCM-added');
    t.ok(headers['x-request-id'], 'HCM-added x-request-id');
    t.not(http.id, headers['x-request-id'], 'id is not x-request-id');
    for (const key of Object.keys(headers)) t.equal(key, key.toLowerCase(), `lower-case key ${key}`);
    t.notOk('connection' in headers, 'hop-by-hop Connection removed by the HCM before filters');
    t.notOk(attrs.request!.time, '2018: request.time unset');
    t.equal(attrs.source!.address!.socketAddress!.address, POD_A, 'source = remote address');
    t.equal(attrs.source!.address!.socketAddress!.protocol ?? 0, 0, 'protocol TCP(0)');
    t.ok(attrs.source!.address!.socketAddress!.portValue! > 0, 'source port = the remote ephemeral port');
    t.same({ ...attrs.destination!.address!.socketAddress }, { ...attrs.destination!.address!.socketAddress, address: POD_B, portValue: 8080 }, 'destination = local (original pod ip:port)');
    t.equal(attrs.source!.principal, 'spiffe://cluster.local/ns/frontend/sa/web', 'source = peer URI SAN');
    t.equal(attrs.destination!.principal, 'spiffe://cluster.local/ns/backend/sa/api', 'destination = own URI SAN');
    t.equal(attrs.source!.service, 'frontend-cluster', 'source.service = x-envoy-downstream-service-cluster');
    t.notOk(attrs.destination!.service, 'destination.service empty');
    t.same(Object.keys(attrs.contextExtensions ?? {}), []);
  });

  await t.test('HTTP/1.0 is reported as HTTP/1.0', async (t) => {
    const res = await rawRequest(port, 'GET /old HTTP/1.0\r\nHost: h\r\n\r\n');
    t.match(res, /^HTTP\/1\.[01] 200 /);
    t.equal(authz.requests.at(-1)!.request.attributes!.request!.http!.protocol, 'HTTP/1.0');
  });

  await t.test('a reply with no status allows; a reply with any non-zero code is a 403 with an empty body', async (t) => {
    authz.behaviour = { kind: 'custom', answer: () => ({}) };
    t.match(await rawRequest(port, 'GET /empty HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
    for (const code of [1, 2, 5, 7, 14, 16]) {
      // 2018 Envoy reads status.code only; a denied_response (v2alpha June 2018) is ignored.
      authz.behaviour = { kind: 'custom', answer: () => ({ status: { code }, deniedResponse: { status: { code: 401 }, body: 'nope' } }) };
      const res = await rawRequest(port, `GET /code${code} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
      t.match(res, /^HTTP\/1\.1 403 /, `code ${code} ⇒ 403`);
      t.match(res, /\r\n\r\n$/, `code ${code}: empty body`);
      t.notMatch(res, /nope/);
    }
  });

  await t.test('the default gRPC timeout is 200 ms: a slower answer is an error ⇒ 403', async (t) => {
    authz.behaviour = { kind: 'delay', ms: 1500 };
    const errorsBefore = b.counters.get('ext_authz.error');
    const started = Date.now();
    const res = await rawRequest(port, 'GET /slow HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    const took = Date.now() - started;
    t.match(res, /^HTTP\/1\.1 403 /);
    t.ok(took < 1200, `answered at the 200 ms deadline (${took} ms)`);
    t.equal(b.counters.get('ext_authz.error'), errorsBefore + 1);
  });

  await t.test('TCP filter: no check before the first data; only source and destination', async (t) => {
    authz.behaviour = { kind: 'allow' };
    const checksBefore = authz.requests.length;
    const tcpPort = b.listener(6379)!.address.port;
    const socket = tls.connect({ host: LOOP_B, port: tcpPort, localAddress: LOOP_A, ca: ca.certPem, cert: clientSvid.certChainPem, key: clientSvid.keyPem, checkServerIdentity: () => undefined } as tls.ConnectionOptions);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    await new Promise((r) => setTimeout(r, 150));
    t.equal(authz.requests.length, checksBefore, 'handshake done, no data yet ⇒ no check');
    const echoed = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.write('PING\r\n');
    t.equal(await echoed, 'PING\r\n');
    socket.destroy();
    t.equal(authz.requests.length, checksBefore + 1, 'exactly one check per connection');
    const attrs = authz.requests.at(-1)!.request.attributes!;
    t.notOk(attrs.request, 'no request attributes');
    t.equal(attrs.source!.address!.socketAddress!.address, POD_A);
    t.equal(attrs.destination!.address!.socketAddress!.address, POD_B);
    t.equal(attrs.destination!.address!.socketAddress!.portValue, 6379);
    t.equal(attrs.destination!.principal, 'spiffe://cluster.local/ns/backend/sa/api');
    t.equal(b.counters.get('ext_authz.envoy.ext_authz.ok'), 1, 'stat prefix ext_authz.<stat_prefix>.');
    t.equal(b.counters.get('ext_authz.envoy.ext_authz.active'), 0, 'no check in flight');
  });

  await t.test('TCP filter: a connection closed while its check is pending cancels the call', async (t) => {
    authz.behaviour = { kind: 'delay', ms: 150 };
    const tcpPort = b.listener(6379)!.address.port;
    const socket = tls.connect({ host: LOOP_B, port: tcpPort, localAddress: LOOP_A, ca: ca.certPem, cert: clientSvid.certChainPem, key: clientSvid.keyPem, checkServerIdentity: () => undefined } as tls.ConnectionOptions);
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    const checksBefore = authz.requests.length;
    socket.write('GET k\r\n');
    while (authz.requests.length === checksBefore) await new Promise((r) => setTimeout(r, 5));
    t.equal(b.counters.get('ext_authz.envoy.ext_authz.active'), 1, 'one check in flight');
    socket.destroy();
    const entry = authz.requests.at(-1)!;
    for (let i = 0; i < 200 && !entry.cancelled; i++) await new Promise((r) => setTimeout(r, 5));
    t.ok(entry.cancelled, 'the authz server saw the call cancelled');
    t.equal(b.counters.get('ext_authz.envoy.ext_authz.active'), 0);
  });
});

t.test('no route for the Host: no check, the request continues to the router (spec §2.3 NoRoute)', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket, { kind: 'deny' });
  const app = await startEchoApp('backend');
  const lds = ldsWith(httpListener(POD_B, 8080, true)) as { listeners: { filters: { config: { route_config: { virtual_hosts: { domains: string[] }[] } } }[] }[] };
  lds.listeners[1].filters[0].config.route_config.virtual_hosts[0].domains = ['only.example'];
  const b = await startSidecar({
    lds, workloadIp: POD_B, loopbackAddress: LOOP_B, peerIps: { [LOOP_A]: POD_A }, certs: serverSvid,
    clusters: { 'calico.dikastes': `unix://${authzSocket}`, 'in.8080': `127.0.0.1:${app.port}` }, authzTimeoutMs: 2000,
  });
  t.teardown(async () => { await b.close(); await authz.close(); await app.close(); });
  const port = b.listener(8080)!.address.port;
  const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n');
  t.match(res, /^HTTP\/1\.1 404 /, 'the router answers 404 (no route)');
  t.equal(authz.requests.length, 0, 'no Check');
  t.equal(app.requests, 0);
  t.equal(b.counters.get('upstream_rq_404'), 0, 'no route: no cluster is charged');
  const matched = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: only.example\r\nConnection: close\r\n\r\n');
  t.match(matched, /^HTTP\/1\.1 403 /, 'a routed request is checked');
  t.equal(authz.requests.length, 1);
});

t.test('principal without a URI SAN: the RFC 2253 subject exactly as OpenSSL prints it (spec §2.1)', async (t) => {
  let hasOpenssl = true;
  try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); } catch { hasOpenssl = false; }
  if (!hasOpenssl) { t.pass('openssl CLI not available: skipped'); return; }
  const dir = tempDir();
  const keyFile = path.join(dir, 'k.pem');
  const certFile = path.join(dir, 'c.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '1', '-utf8', '-multivalue-rdn', '-subj', '/C=US/O=Acme, Inc./OU=a+OU=b/CN=café #1'], { stdio: 'ignore' });
  const expected = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-subject', '-nameopt', 'RFC2253']).toString().trim().replace(/^subject=\s*/, '');
  const cert = new X509Certificate(fs.readFileSync(certFile));
  t.equal(expected, 'CN=caf\\C3\\A9 #1,OU=b+OU=a,O=Acme\\, Inc.,C=US', 'what OpenSSL prints (sanity)');
  t.equal(rfc2253Subject(cert), expected);
  t.equal(principalOf(cert), expected);
  const plain = ca.issueWorkload({ namespace: 'x', serviceAccount: 'y' });
  t.equal(principalOf(new X509Certificate(plain.certChainPem)), 'spiffe://cluster.local/ns/x/sa/y');
});

t.test("compat 'modern' (spec §2.1, §2.3, §5.10): ok/denied headers and the DNS-SAN principal", async (t) => {
  const testCa = makeCa();
  const dnsOnly = issueLeaf(testCa, { dns: ['client.example.svc'], commonName: 'client' });
  const serverLeaf = issueLeaf(testCa, { uris: ['spiffe://cluster.local/ns/backend/sa/api'] });
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket);
  const app = await startEchoApp('backend');
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B, peerIps: { [LOOP_A]: POD_A },
    certs: serverLeaf, clusters: { 'calico.dikastes': `unix://${authzSocket}`, 'in.8080': `127.0.0.1:${app.port}` },
    authzTimeoutMs: 2000, compat: 'modern', clientCertPolicy: 'envoy',
  });
  t.teardown(async () => { await b.close(); await authz.close(); await app.close(); });
  const port = b.listener(8080)!.address.port;
  const send = (text: string) => new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: LOOP_B, port, localAddress: LOOP_A, ca: testCa.certPem, cert: dnsOnly.certChainPem, key: dnsOnly.keyPem, ALPNProtocols: ['http/1.1'], checkServerIdentity: () => undefined } as tls.ConnectionOptions, () => socket.write(text));
    let data = '';
    socket.on('data', (d) => { data += d.toString(); });
    socket.on('close', () => resolve(data));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(data) : reject(err)));
  });
  const opt = (key: string, value: string, append?: boolean) => ({ header: { key, value }, ...(append === undefined ? {} : { append: { value: append } }) });

  authz.behaviour = { kind: 'custom', answer: () => ({ status: { code: 0 }, okResponse: { headers: [
    opt('header1', 'header1-replaced', false), opt('header2', 'header2-appended', true), opt('absent', 'ignored', true),
    opt('append1', 'append1-first', false), opt('append1', 'append1-second', true), opt('x-unset-append', 'set'),
  ], headersToRemove: ['x-remove-me', ':path', 'host'], responseHeadersToAdd: [opt('x-resp', 'one'), opt('x-resp', 'two', true), opt('server', 'replaced', false)] } }) };
  const res = await send('GET /ok HTTP/1.1\r\nHost: h\r\nHeader1: header1\r\nHeader2: header2\r\nX-Dup: a\r\nX-Dup: b\r\nX-Remove-Me: 1\r\nConnection: close\r\n\r\n');
  t.match(res, /\r\nx-resp: one\r\nx-resp: two\r\n/i, 'response_headers_to_add: append adds a value');
  t.match(res, /\r\nserver: replaced\r\n/i, 'response_headers_to_add: append=false replaces');
  const echoed = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '')) as { headers: Record<string, string> };
  t.equal(echoed.headers.header1, 'header1-replaced', 'append=false replaces');
  t.equal(echoed.headers.header2, 'header2,header2-appended', 'append=true appends with ","');
  t.notOk('absent' in echoed.headers, 'append=true on an absent header is ignored');
  t.equal(echoed.headers.append1, 'append1-first,append1-second');
  t.equal(echoed.headers['x-unset-append'], 'set', 'append unset = false');
  t.notOk('x-remove-me' in echoed.headers, 'headers_to_remove');
  t.equal(echoed.headers.host, 'h', 'Host cannot be removed');
  const attrs = authz.requests.at(-1)!.request.attributes!;
  t.equal(attrs.source!.principal, 'client.example.svc', 'no URI SAN: the DNS SAN before the subject');
  t.equal(attrs.destination!.principal, 'spiffe://cluster.local/ns/backend/sa/api');
  t.equal(attrs.request!.http!.headers!['x-dup'], 'a,b', 'duplicates joined with ","');
  t.equal(attrs.request!.http!.scheme, 'https');
  t.ok(attrs.request!.time, 'request.time set');

  authz.behaviour = { kind: 'custom', answer: () => ({ status: { code: 7 }, deniedResponse: { status: { code: 401 }, body: 'go away', headers: [opt('set-cookie', 'a=1'), opt('set-cookie', 'b=2'), opt('x-why', 'policy')] } }) };
  const denied = await send('GET /deny HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  t.match(denied, /^HTTP\/1\.1 401 /);
  t.match(denied, /\r\nx-why: policy\r\n/i);
  t.match(denied, /\r\nset-cookie: a=1\r\n/i);
  t.match(denied, /\r\nset-cookie: b=2\r\n/i);
  t.match(denied, /\r\n\r\ngo away$/);
  authz.behaviour = { kind: 'custom', answer: () => ({ status: { code: 7 }, deniedResponse: { body: 'no status' } }) };
  t.match(await send('GET /deny2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 403 [^]*no status$/, 'unset status ⇒ 403');
});

t.test('route to an unknown cluster: no check in 2018, checked in modern (spec §2.3)', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket, { kind: 'deny' });
  const lds = ldsWith(httpListener(POD_B, 8080, true)) as { listeners: { filters: { config: { route_config: { virtual_hosts: { routes: { cluster: string }[] }[] } } }[] }[] };
  lds.listeners[1].filters[0].config.route_config.virtual_hosts[0].routes[0].cluster = 'out.nowhere|http';
  const start = (compat: '2018' | 'modern') => startSidecar({
    lds, workloadIp: POD_B, loopbackAddress: LOOP_B, peerIps: { [LOOP_A]: POD_A }, certs: serverSvid,
    clusters: { 'calico.dikastes': `unix://${authzSocket}` }, authzTimeoutMs: 2000, compat,
  });
  const old = await start('2018');
  t.teardown(async () => { await old.close(); await authz.close(); });
  const res2018 = await rawRequest(old.listener(8080)!.address.port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  t.match(res2018, /^HTTP\/1\.1 503 /, 'not checked; the router has no such cluster');
  t.equal(authz.requests.length, 0);
  await old.close();
  const modern = await start('modern');
  t.teardown(() => modern.close());
  const resModern = await rawRequest(modern.listener(8080)!.address.port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  t.match(resModern, /^HTTP\/1\.1 403 /, 'checked and denied');
  t.equal(authz.requests.length, 1);
});

t.test("compat 'modern': a denied gRPC request gets a gRPC PERMISSION_DENIED status (spec §2.3)", async (t) => {
  const grpc = await import('@grpc/grpc-js');
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket, { kind: 'custom', answer: () => ({ status: { code: 7 }, deniedResponse: { body: 'denied by policy' } }) });
  const app = await startEchoApp('backend');
  const start = (compat: '2018' | 'modern') => startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B, certs: serverSvid,
    clusters: { 'calico.dikastes': `unix://${authzSocket}`, 'in.8080': `127.0.0.1:${app.port}` }, authzTimeoutMs: 2000, compat,
  });
  const modern = await start('modern');
  const old = await start('2018');
  t.teardown(async () => { await modern.close(); await old.close(); await authz.close(); await app.close(); });
  const call = (port: number) => new Promise<{ code: number; details: string }>((resolve) => {
    const creds = grpc.credentials.createSsl(Buffer.from(ca.certPem), Buffer.from(clientSvid.keyPem), Buffer.from(clientSvid.certChainPem), { checkServerIdentity: () => undefined });
    const client = new grpc.Client(`${LOOP_B}:${port}`, creds);
    client.makeUnaryRequest('/test.Echo/Say', (b: Buffer) => b, (b: Buffer) => b, Buffer.from('hi'), (err) => {
      client.close();
      resolve({ code: err?.code ?? 0, details: err?.details ?? '' });
    });
  });
  const modernAnswer = await call(modern.listener(8080)!.address.port);
  t.equal(modernAnswer.code, grpc.status.PERMISSION_DENIED);
  t.equal(modernAnswer.details, 'denied by policy');
  t.equal(app.requests, 0);
  // 2018 Envoy encoded a plain header-only 403; the gRPC client maps the HTTP status itself.
  const oldAnswer = await call(old.listener(8080)!.address.port);
  t.equal(oldAnswer.code, grpc.status.PERMISSION_DENIED);
  t.match(oldAnswer.details, /HTTP status code 403/);
});

t.test('default client-certificate policy is Envoy v1 ssl_context: chain only, no SAN check (spec §4.3, §2.1)', async (t) => {
  const testCa = makeCa('k8s.cluster.local', 'policy-ca');
  const serverLeaf = issueLeaf(testCa, { uris: ['spiffe://cluster.local/ns/backend/sa/api'] });
  const clients = {
    subjectOnly: issueLeaf(testCa, { commonName: 'legacy-client' }),
    twoUris: issueLeaf(testCa, { uris: ['spiffe://cluster.local/ns/a/sa/first', 'spiffe://cluster.local/ns/a/sa/second'] }),
    withDns: issueLeaf(testCa, { dns: ['x.example'], uris: ['spiffe://cluster.local/ns/a/sa/after-dns'] }),
  };
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket);
  const app = await startEchoApp('backend');
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B, peerIps: { [LOOP_A]: POD_A },
    certs: serverLeaf, clusters: { 'calico.dikastes': `unix://${authzSocket}`, 'in.8080': `127.0.0.1:${app.port}` }, authzTimeoutMs: 2000,
  });
  t.teardown(async () => { await b.close(); await authz.close(); await app.close(); });
  const port = b.listener(8080)!.address.port;
  const send = (client: { certChainPem: string; keyPem: string }) => new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: LOOP_B, port, localAddress: LOOP_A, ca: testCa.certPem, cert: client.certChainPem, key: client.keyPem, ALPNProtocols: ['http/1.1'], checkServerIdentity: () => undefined } as tls.ConnectionOptions,
      () => socket.write('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'));
    let data = '';
    socket.on('data', (d) => { data += d.toString(); });
    socket.on('close', () => resolve(data));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(data) : reject(err)));
  });
  t.match(await send(clients.subjectOnly), /^HTTP\/1\.1 200 /);
  t.equal(authz.requests.at(-1)!.request.attributes!.source!.principal, 'CN=legacy-client', 'no URI SAN: RFC 2253 subject');
  t.match(await send(clients.twoUris), /^HTTP\/1\.1 200 /);
  t.equal(authz.requests.at(-1)!.request.attributes!.source!.principal, 'spiffe://cluster.local/ns/a/sa/first', 'first URI SAN');
  t.match(await send(clients.withDns), /^HTTP\/1\.1 200 /);
  t.equal(authz.requests.at(-1)!.request.attributes!.source!.principal, 'spiffe://cluster.local/ns/a/sa/after-dns', 'URI SAN wins over a DNS SAN');
});

t.test("compat 'modern' with_request_body (spec §5.9): body, size, partial flag, 413", async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket);
  const app = await startEchoApp('backend');
  type Lds = { listeners: { filters: { config: { filters: { name: string; config: Record<string, unknown> }[] } }[] }[] };
  const ldsFor = (allowPartial: boolean, port: number) => {
    const lds = ldsWith(httpListener(POD_B, port, true)) as Lds;
    lds.listeners[1].filters[0].config.filters[0].config.with_request_body = { max_request_bytes: 1024, allow_partial_message: allowPartial };
    return lds;
  };
  const start = (allowPartial: boolean, port: number) => startSidecar({
    lds: ldsFor(allowPartial, port), workloadIp: POD_B, loopbackAddress: LOOP_B, peerIps: { [LOOP_A]: POD_A }, certs: serverSvid,
    clusters: { 'calico.dikastes': `unix://${authzSocket}`, [`in.${port}`]: `127.0.0.1:${app.port}` }, authzTimeoutMs: 2000, compat: 'modern',
  });
  const partial = await start(true, 8080);
  const strict = await start(false, 8081);
  t.teardown(async () => { await partial.close(); await strict.close(); await authz.close(); await app.close(); });
  const post = (port: number, body: string) => rawRequest(port, `POST /test HTTP/1.1\r\nHost: host\r\nContent-Length: ${body.length}\r\nX-Envoy-Auth-Partial-Body: forged\r\nConnection: close\r\n\r\n${body}`);
  const echoedBody = (res: string) => {
    let rest = res.slice(res.indexOf('\r\n\r\n') + 4);
    if (/\r\ntransfer-encoding: chunked\r\n/i.test(res.slice(0, res.indexOf('\r\n\r\n') + 2))) {
      let out = '';
      for (;;) {
        const eol = rest.indexOf('\r\n');
        const size = parseInt(rest.slice(0, eol), 16);
        if (!size) break;
        out += rest.slice(eol + 2, eol + 2 + size);
        rest = rest.slice(eol + 2 + size + 2);
      }
      rest = out;
    }
    return (JSON.parse(rest) as { body: string }).body;
  };

  const small = await post(partial.listener(8080)!.address.port, 'hello');
  t.match(small, /^HTTP\/1\.1 200 /);
  let http = authz.requests.at(-1)!.request.attributes!.request!.http!;
  t.match(http, { method: 'POST', path: '/test', host: 'host', body: 'hello', protocol: 'HTTP/1.1' });
  t.equal(Number(http.size), 5, 'size = body length');
  t.equal(http.headers!['x-envoy-auth-partial-body'], 'false');
  t.equal(echoedBody(small), 'hello', 'the app gets the body');

  const bigBody = 'x'.repeat(2000);
  const big = await post(partial.listener(8080)!.address.port, bigBody);
  t.match(big, /^HTTP\/1\.1 200 /);
  http = authz.requests.at(-1)!.request.attributes!.request!.http!;
  t.equal(http.body!.length, 1024, 'truncated to max_request_bytes');
  t.equal(Number(http.size), 1024);
  t.equal(http.headers!['x-envoy-auth-partial-body'], 'true');
  t.equal(echoedBody(big), bigBody, 'the app still gets the whole body');

  const checks = authz.requests.length;
  const refused = await post(strict.listener(8081)!.address.port, bigBody);
  t.match(refused, /^HTTP\/1\.1 413 /, 'no partial messages: 413 from the buffer limit');
  t.equal(authz.requests.length, checks, 'no check');
  t.match(await post(strict.listener(8081)!.address.port, 'ok'), /^HTTP\/1\.1 200 /);

  // status_on_error (default 403) answers gRPC failures in modern Envoy.
  const lds = ldsFor(true, 8082);
  lds.listeners[1].filters[0].config.filters[0].config.status_on_error = { code: 503 };
  const onError = await startSidecar({
    lds, workloadIp: POD_B, loopbackAddress: LOOP_B, certs: serverSvid, compat: 'modern', authzTimeoutMs: 2000,
    clusters: { 'calico.dikastes': `unix://${path.join(dir, 'nobody.sock')}`, 'in.8082': `127.0.0.1:${app.port}` },
  });
  t.teardown(() => onError.close());
  t.match(await post(onError.listener(8082)!.address.port, 'x'), /^HTTP\/1\.1 503 /);
});

t.test('a redis_<ip>_<port> listener (redis_proxy terminal filter, spec §3.2) is accepted and relayed unchecked', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket, { kind: 'deny' });
  const tcpApp = await startTcpEcho();
  const redis = {
    address: `tcp://${POD_B}:6379`, name: `redis_${POD_B}_6379`,
    filters: [{ type: 'both', name: 'redis_proxy', config: { cluster_name: 'in.6379', conn_pool: { op_timeout_ms: 30000 }, stat_prefix: 'redis' } }],
    ssl_context: { cert_chain_file: '/etc/certs/cert-chain.pem', private_key_file: '/etc/certs/key.pem', ca_cert_file: '/etc/certs/root-cert.pem', require_client_certificate: true },
    bind_to_port: false,
  };
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true), redis), workloadIp: POD_B, loopbackAddress: LOOP_B, certs: serverSvid,
    clusters: { 'calico.dikastes': `unix://${authzSocket}`, 'in.6379': `tcp://127.0.0.1:${tcpApp.port}` },
  });
  t.teardown(async () => { await b.close(); await authz.close(); await tcpApp.close(); });
  t.same(b.listeners.map((l) => l.name), [`http_${POD_B}_8080`, `redis_${POD_B}_6379`]);
  const socket = tls.connect({ host: LOOP_B, port: b.listener(6379)!.address.port, localAddress: LOOP_A, ca: ca.certPem, cert: clientSvid.certChainPem, key: clientSvid.keyPem, checkServerIdentity: () => undefined } as tls.ConnectionOptions);
  socket.on('error', () => undefined);
  const echoed = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
  socket.write('PING\r\n');
  t.equal(await echoed, 'PING\r\n');
  socket.destroy();
  t.equal(authz.requests.length, 0, 'no ext_authz filter on it: unchecked');
});
