// Bad clients on an mTLS listener: each is refused with a precise logged reason and an Envoy ssl.* counter,
// and the listener keeps serving good clients.
import t from 'tap';
import * as path from 'node:path';
import { mtlsRequest, plaintextRequest, startSidecar } from '../src/index';
import { issueLeaf, makeCa, spiffe } from './helpers/certs';
import { httpListener, ldsWith, startAuthzServer, startEchoApp, tempDir } from './helpers/servers';

const ca = makeCa();
const otherCa = makeCa('evil.example', 'other-ca');
const POD_B = '10.2.0.5';
const LOOP_B = '127.0.20.5';
const LOOP_X = '127.0.20.9';

t.test('client certificate rejections', async (t) => {
  const dir = tempDir();
  const authzSocket = path.join(dir, 'authz.sock');
  const authz = await startAuthzServer(authzSocket);
  const app = await startEchoApp();
  const lines: string[] = [];
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B,
    peerIps: { [LOOP_X]: '10.2.0.9' },
    certs: issueLeaf(ca, { uris: [spiffe('db', 'database')] }),
    clusters: { 'calico.dikastes': authzSocket, 'in.8080': `127.0.0.1:${app.port}` },
    logger: (line) => lines.push(line),
  });
  t.teardown(async () => { await b.close(); await authz.close(); await app.close(); });
  const to = { loopbackAddress: LOOP_B, listenPort: b.listener(8080)!.address.port, ip: POD_B, port: 8080 };
  const good = issueLeaf(ca, { uris: [spiffe('default', 'summary')] });

  const cases: { name: string; certs?: ReturnType<typeof issueLeaf>; reason: RegExp; stat: string }[] = [
    { name: 'wrong CA', certs: issueLeaf(otherCa, { uris: [spiffe('default', 'summary')], rootCertPem: ca.certPem }), reason: /not the trusted root|unknown issuer|not signed by the trusted root/, stat: 'ssl.fail_verify_error' },
    { name: 'expired', certs: issueLeaf(ca, { uris: [spiffe('default', 'summary')], notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) }), reason: /client certificate has expired \(CERT_HAS_EXPIRED\)/, stat: 'ssl.fail_verify_error' },
    { name: 'no URI SAN', certs: issueLeaf(ca, { commonName: 'summary', dns: ['summary.default.svc'] }), reason: /client certificate has no URI SAN \(subject "CN=summary"\)/, stat: 'ssl.fail_verify_san' },
    { name: 'two URI SANs', certs: issueLeaf(ca, { uris: [spiffe('default', 'summary'), spiffe('default', 'customer')] }), reason: /has 2 URI SANs \(spiffe:\/\/cluster.local\/ns\/default\/sa\/summary, spiffe:\/\/cluster.local\/ns\/default\/sa\/customer\); an X.509-SVID must have exactly one/, stat: 'ssl.fail_verify_san' },
    { name: 'non-SPIFFE SAN', certs: issueLeaf(ca, { uris: ['https://summary.example.com/id'] }), reason: /URI SAN "https:\/\/summary.example.com\/id" is not a SPIFFE ID/, stat: 'ssl.fail_verify_san' },
    { name: 'no client certificate', certs: undefined, reason: /client presented no certificate \(mTLS required\)/, stat: 'ssl.fail_verify_no_cert' },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const before = b.counters.get(c.stat);
      const res = await mtlsRequest({ to, localAddress: LOOP_X, certs: c.certs ? c.certs : { rootCertPem: ca.certPem }, path: '/' });
      t.equal(res.status, 0, 'no HTTP answer');
      t.ok(res.failure, `client saw: ${res.failure}`);
      t.equal(b.counters.get(c.stat), before + 1, c.stat);
      const line = lines.filter((l) => l.includes(' tls: ')).at(-1) ?? '';
      t.match(line, c.reason);
      t.match(line, new RegExp(`http_${POD_B}_8080 tls: rejected client ${LOOP_X.replace(/\./g, '\\.')}:\\d+ \\(scenario 10\\.2\\.0\\.9\\)`));
    });
  }

  await t.test('plaintext HTTP to the mTLS listener', async (t) => {
    const res = await plaintextRequest({ to, localAddress: LOOP_X, path: '/' });
    t.equal(res.status, 0);
    t.ok(res.failure);
    await new Promise((r) => setTimeout(r, 20));
    t.match(lines.filter((l) => l.includes(' tls: ')).at(-1), /plaintext HTTP sent to an mTLS listener \(TLS required\)/);
    t.equal(b.counters.get('ssl.connection_error'), 1);
  });

  await t.test('still serving good clients, and no request reached ext_authz or the app from the bad ones', async (t) => {
    t.equal(authz.requests.length, 0);
    t.equal(app.requests, 0);
    const res = await mtlsRequest({ to, localAddress: LOOP_X, certs: good, expectedSpiffeIds: [spiffe('db', 'database')], path: '/ok' });
    t.equal(res.status, 200);
    t.equal(authz.requests[0].request.attributes!.source!.principal, spiffe('default', 'summary'));
  });

  await t.test("clientCertPolicy 'envoy' accepts a chain-valid certificate without URI SAN (principal = subject)", async (t) => {
    const lax = await startSidecar({
      lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B,
      certs: issueLeaf(ca, { uris: [spiffe('db', 'database')] }), clientCertPolicy: 'envoy',
      clusters: { 'calico.dikastes': authzSocket, 'in.8080': `127.0.0.1:${app.port}` },
    });
    t.teardown(() => lax.close());
    const res = await mtlsRequest({ to: { loopbackAddress: LOOP_B, listenPort: lax.listener(8080)!.address.port }, certs: issueLeaf(ca, { commonName: 'legacy, inc' }), path: '/' });
    t.equal(res.status, 200);
    t.equal(authz.requests.at(-1)!.request.attributes!.source!.principal, 'CN=legacy\\, inc', 'RFC 2253 subject with escaping');
  });
});

t.test('the server side: a client pinning the wrong root or SPIFFE ID gets no answer', async (t) => {
  const dir = tempDir();
  const app = await startEchoApp();
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, false)), workloadIp: POD_B, loopbackAddress: LOOP_B,
    certs: issueLeaf(ca, { uris: [spiffe('db', 'database')] }), clusters: { 'in.8080': `127.0.0.1:${app.port}`, 'calico.dikastes': path.join(dir, 'x.sock') },
  });
  t.teardown(async () => { await b.close(); await app.close(); });
  const to = { loopbackAddress: LOOP_B, listenPort: b.listener(8080)!.address.port };
  const untrusting = await mtlsRequest({ to, certs: issueLeaf(otherCa, { uris: [spiffe('a', 'b')] }), path: '/' });
  t.equal(untrusting.status, 0);
  t.match(untrusting.failure, /self[- ]signed|unable to verify|issuer/i);
});
