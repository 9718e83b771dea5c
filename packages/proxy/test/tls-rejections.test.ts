// Bad clients on an mTLS listener: each is refused with a precise logged reason and an Envoy ssl.* counter,
// and the listener keeps serving good clients.
import t from 'tap';
import * as path from 'node:path';
import { mtlsRequest, plaintextRequest, startSidecar } from '../src/index';
import { createCertificateAuthority, type SvidFlaw } from '@alpsim/pki';
import { issueLeaf, makeCa } from './helpers/certs';
import { eventually, httpListener, ldsWith, startAuthzServer, startEchoApp, tempDir } from './helpers/servers';

const ca = createCertificateAuthority({ trustDomain: 'cluster.local' });
const otherCa = createCertificateAuthority({ trustDomain: 'cluster.local', organization: 'evil.example' });
const svid = (namespace: string, serviceAccount: string, flaw?: SvidFlaw) => ca.issueWorkload({ namespace, serviceAccount, flaw, keyType: 'ec' });
const spiffe = (ns: string, sa: string) => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
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
    certs: svid('db', 'database'),
    clientCertPolicy: 'svid',
    authzTimeoutMs: 2000, clusters: { 'calico.dikastes': authzSocket, 'in.8080': `127.0.0.1:${app.port}` },
    logger: (line) => lines.push(line),
  });
  t.teardown(async () => { await b.close(); await authz.close(); await app.close(); });
  const to = { loopbackAddress: LOOP_B, listenPort: b.listener(8080)!.address.port, ip: POD_B, port: 8080 };
  const good = svid('default', 'summary');

  const cases: { name: string; certs?: { certChainPem: string; keyPem: string; rootCertPem: string }; reason: RegExp; stat: string }[] = [
    { name: 'wrong CA (same issuer name, other key)', certs: svid('default', 'summary', 'wrong-ca'), reason: /client certificate signature does not verify \(CERT_SIGNATURE_FAILURE\)/, stat: 'ssl.fail_verify_error' },
    { name: 'wrong CA (other issuer)', certs: otherCa.issueWorkload({ namespace: 'default', serviceAccount: 'summary', keyType: 'ec' }), reason: /not signed by the trusted root \(unknown issuer\) \(UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY)\)/, stat: 'ssl.fail_verify_error' },
    { name: 'expired', certs: svid('default', 'summary', 'expired'), reason: /client certificate has expired \(CERT_HAS_EXPIRED\)/, stat: 'ssl.fail_verify_error' },
    { name: 'not yet valid', certs: svid('default', 'summary', 'not-yet-valid'), reason: /client certificate is not yet valid \(CERT_NOT_YET_VALID\)/, stat: 'ssl.fail_verify_error' },
    { name: 'no URI SAN', certs: svid('default', 'summary', 'no-uri-san'), reason: /not an X.509-SVID: leaf certificate has no URI SAN.* \(subject "[^"]*"\) \[NO_URI_SAN\]/, stat: 'ssl.fail_verify_san' },
    { name: 'two URI SANs', certs: svid('default', 'summary', 'two-uri-sans'), reason: /leaf certificate has 2 URI SANs \(spiffe:\/\/cluster.local\/ns\/default\/sa\/summary, spiffe:\/\/cluster.local\/ns\/default\/sa\/summary-second\); an X.509-SVID must have exactly one \[MULTIPLE_URI_SANS\]/, stat: 'ssl.fail_verify_san' },
    { name: 'non-SPIFFE SAN', certs: svid('default', 'summary', 'non-spiffe-san'), reason: /https:\/\/cluster.local\/ns\/default\/sa\/summary.*\[NOT_SPIFFE\]/, stat: 'ssl.fail_verify_san' },
    { name: 'SPIFFE ID without path', certs: svid('default', 'summary', 'root-path'), reason: /\[ROOT_PATH\]/, stat: 'ssl.fail_verify_san' },
    { name: 'CA certificate as leaf', certs: svid('default', 'summary', 'ca-leaf'), reason: /\[LEAF_IS_CA\]/, stat: 'ssl.fail_verify_san' },
    { name: 'no client certificate', certs: undefined, reason: /client presented no certificate \(mTLS required\)/, stat: 'ssl.fail_verify_no_cert' },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const before = b.counters.get(c.stat);
      const res = await mtlsRequest({ to, localAddress: LOOP_X, certs: c.certs ? { ...c.certs, rootCertPem: ca.certPem } : { rootCertPem: ca.certPem }, path: '/' });
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
    const line = await eventually(() => lines.filter((l) => l.includes(' tls: ')).at(-1) ?? '', (l) => /plaintext/.test(l));
    t.match(line, /plaintext HTTP sent to an mTLS listener \(TLS required\)/);
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
    // A pre-SPIFFE certificate (subject only) from the same CA: built by hand, pki would never issue it.
    const legacyCa = makeCa('k8s.cluster.local');
    const legacy = issueLeaf(legacyCa, { commonName: 'legacy, inc' });
    const laxLines: string[] = [];
    const lax = await startSidecar({
      lds: ldsWith(httpListener(POD_B, 8080, true)), workloadIp: POD_B, loopbackAddress: LOOP_B,
      certs: { ...svid('db', 'database'), rootCertPem: legacyCa.certPem }, clientCertPolicy: 'envoy',
      authzTimeoutMs: 2000, clusters: { 'calico.dikastes': authzSocket, 'in.8080': `127.0.0.1:${app.port}` },
      logger: (line) => laxLines.push(line),
    });
    t.teardown(() => lax.close());
    const res = await mtlsRequest({ to: { loopbackAddress: LOOP_B, listenPort: lax.listener(8080)!.address.port }, certs: { ...legacy, rootCertPem: ca.certPem }, path: '/' });
    t.equal(res.status, 200);
    t.equal(authz.requests.at(-1)!.request.attributes!.source!.principal, 'CN=legacy\\, inc', 'RFC 2253 subject with escaping');
    t.match(laxLines.find((l) => l.includes(' tls: ')) ?? '', /accepted client .*not an X\.509-SVID: leaf certificate has no URI SAN.*\[NO_URI_SAN\]; principal "CN=legacy/,
      'the log says precisely why the certificate is not an SVID');
  });
});

t.test('the server side: a client pinning the wrong root or SPIFFE ID gets no answer', async (t) => {
  const dir = tempDir();
  const app = await startEchoApp();
  const b = await startSidecar({
    lds: ldsWith(httpListener(POD_B, 8080, false)), workloadIp: POD_B, loopbackAddress: LOOP_B,
    certs: svid('db', 'database'), clusters: { 'in.8080': `127.0.0.1:${app.port}`, 'calico.dikastes': path.join(dir, 'x.sock') },
  });
  t.teardown(async () => { await b.close(); await app.close(); });
  const to = { loopbackAddress: LOOP_B, listenPort: b.listener(8080)!.address.port };
  const untrusting = await mtlsRequest({ to, certs: otherCa.issueWorkload({ namespace: 'a', serviceAccount: 'b' }), path: '/' });
  t.equal(untrusting.status, 0);
  t.match(untrusting.failure, /self[- ]signed|unable to verify|issuer/i);
});
