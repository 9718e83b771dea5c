// Independent fidelity checks against spec-envoy-pilot.md §4 (SPIFFE ID, X.509-SVID, Istio 0.7
// Citadel defaults, /etc/certs layout), expected values written from the spec text.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import {
  ISTIO_CA_FILES,
  ISTIO_CERT_FILES,
  ISTIO_DEFAULTS,
  createCertificateAuthority,
  inspectCertificate,
  parseSpiffeId,
  readIstioLayout,
  verifySvid,
  workloadSpiffeId,
  writeIstioLayout,
} from '../src/index';
import { buildCertificate, generateKeyPair, randomSerialHex } from '../src/x509-build';

const ca = createCertificateAuthority();

t.test('SPIFFE ID syntax (§4.1)', async (t) => {
  const ok = (uri: string) => {
    const r = parseSpiffeId(uri);
    t.ok(r.ok, `valid: ${uri}${r.ok ? '' : ` (${r.reason})`}`);
    return r.ok ? r.value : undefined;
  };
  const bad = (uri: string, notSpiffe = false) => {
    const r = parseSpiffeId(uri);
    t.notOk(r.ok, `invalid: ${uri}`);
    if (!r.ok) t.equal(r.notSpiffe, notSpiffe, `${uri}: ${notSpiffe ? 'not spiffe' : 'bad spiffe'}`);
  };
  t.match(ok('spiffe://cluster.local/ns/default/sa/web'), { trustDomain: 'cluster.local', path: '/ns/default/sa/web', namespace: 'default', serviceAccount: 'web' });
  t.match(ok('spiffe://cluster.local'), { path: '' }, 'root path allowed for signing authorities');
  t.match(ok('spiffe://a_b-c.9/Seg.1/A-b_C'), { path: '/Seg.1/A-b_C' }, 'path chars a-zA-Z0-9.-_');
  const mixed = ok('SPIFFE://Cluster.Local/ns/A/sa/B');
  t.match(mixed, { trustDomain: 'cluster.local', path: '/ns/A/sa/B' }, 'scheme and trust domain case-insensitive, path case kept');
  bad('https://cluster.local/ns/a/sa/b', true);
  bad('spiffe:///ns/a/sa/b');
  bad('spiffe://');
  bad('spiffe://cluster%2Elocal/ns/a');
  bad('spiffe://clu*ster/ns/a');
  bad('spiffe://cluster.local:8080/ns/a');
  bad('spiffe://user@cluster.local/ns/a');
  bad('spiffe://cluster.local/ns/a?x=1');
  bad('spiffe://cluster.local/ns/a#frag');
  bad('spiffe://cluster.local/ns/a/');
  bad('spiffe://cluster.local/');
  bad('spiffe://cluster.local//a');
  bad('spiffe://cluster.local/ns/./a');
  bad('spiffe://cluster.local/ns/../a');
  bad('spiffe://cluster.local/ns/%41');
  bad('spiffe://cluster.local/ns/a b');
  bad('spiffe://cluster.local/ns/a+b');
  bad(`spiffe://${'a'.repeat(256)}/x`);
  ok(`spiffe://${'a'.repeat(255)}/x`);
  const long = `spiffe://td/${'a'.repeat(2048 - 'spiffe://td/'.length)}`;
  t.equal(Buffer.byteLength(long), 2048);
  ok(long);
  t.equal(workloadSpiffeId('cluster.local', 'ns1', 'sa1'), 'spiffe://cluster.local/ns/ns1/sa/sa1');
  t.throws(() => workloadSpiffeId('Cluster.local', 'a', 'b'), /trust domain/);
  t.throws(() => workloadSpiffeId('cluster.local', 'a/b', 'c'), /namespace/);
  t.throws(() => workloadSpiffeId('cluster.local', 'a', '..'), /service account/);
});

t.test('Istio 0.7 defaults and leaf/CA shapes (§4.2, §4.3)', async (t) => {
  t.equal(ISTIO_DEFAULTS.workloadTtlSeconds, 19 * 3600);
  t.equal(ISTIO_DEFAULTS.maxWorkloadTtlSeconds, 7 * 86400);
  t.equal(ISTIO_DEFAULTS.caTtlSeconds, 365 * 86400);
  t.equal(ISTIO_DEFAULTS.caOrganization, 'k8s.cluster.local');

  const caCert = new crypto.X509Certificate(ca.certPem);
  t.equal(caCert.subject, 'O=k8s.cluster.local');
  t.equal(caCert.publicKey.asymmetricKeyDetails?.modulusLength, 2048, 'CA RSA 2048');
  t.equal((Date.parse(caCert.validTo) - Date.parse(caCert.validFrom)) / 1000, 365 * 86400, 'CA TTL 1 year');
  const caFacts = inspectCertificate(Buffer.from(caCert.raw));
  t.equal(caFacts.isCa, true);
  t.equal(caFacts.keyUsage?.keyCertSign, true);
  t.ok(caFacts.uris.every((u) => u === 'spiffe://cluster.local'), 'a CA SPIFFE ID has no path');

  const before = Date.now();
  const svid = ca.issueWorkload({ namespace: 'default', serviceAccount: 'web' });
  const leaf = new crypto.X509Certificate(svid.certChainPem);
  t.equal(leaf.publicKey.asymmetricKeyDetails?.modulusLength, 2048, 'workload RSA 2048');
  t.equal((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 1000, 19 * 3600, 'workload TTL 19 h');
  t.ok(Math.abs(Date.parse(leaf.validFrom) - before) < 5000, 'NotBefore = now');
  t.equal(leaf.issuer, 'O=k8s.cluster.local');
  t.equal(leaf.subject, 'O=', 'subject: only an (empty) Organization attribute, as Istio 0.7');
  t.ok(leaf.verify(caCert.publicKey), 'signed by the CA');
  const serial = BigInt(`0x${leaf.serialNumber}`);
  t.ok(serial > 0n && serial < 1n << 128n, '128-bit positive serial');
  const facts = inspectCertificate(Buffer.from(leaf.raw));
  t.same(facts.uris, ['spiffe://cluster.local/ns/default/sa/web'], 'exactly one URI SAN = the Istio identity');
  t.equal(facts.isCa, false);
  t.match(facts.keyUsage, { critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: false, cRLSign: false });
  t.same(facts.extKeyUsage?.sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  t.ok(leaf.checkPrivateKey(crypto.createPrivateKey(svid.keyPem)), 'key.pem matches');
  t.equal(svid.rootCertPem, ca.certPem);
  t.match(verifySvid(svid.certChainPem, svid.rootCertPem), { spiffeId: 'spiffe://cluster.local/ns/default/sa/web', namespace: 'default', serviceAccount: 'web' });
  t.throws(() => ca.issueWorkload({ namespace: 'a', serviceAccount: 'b', ttlSeconds: 7 * 86400 + 1 }), /7 days/);
  const week = ca.issueWorkload({ namespace: 'a', serviceAccount: 'b', ttlSeconds: 7 * 86400, keyType: 'ec' });
  t.equal((week.notAfter.getTime() - week.notBefore.getTime()) / 1000, 7 * 86400, 'the 7-day maximum itself is allowed');
});

t.test('leaf validation rules (§4.2) on hand-built certificates', async (t) => {
  const caKey = crypto.createPrivateKey(ca.keyPem);
  const issuer = [{ shortName: 'O', value: 'k8s.cluster.local' }];
  const leafKey = generateKeyPair('ec');
  const build = (over: Partial<Parameters<typeof buildCertificate>[0]>) => buildCertificate({
    serialHex: randomSerialHex(), subject: [], issuer, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3600_000),
    publicKey: leafKey.publicKey, isCa: false, keyUsage: { digitalSignature: true }, extKeyUsage: { serverAuth: true, clientAuth: true },
    altNames: [{ type: 'uri', value: 'spiffe://cluster.local/ns/a/sa/b' }], altNamesCritical: true, ...over,
  }, caKey);
  t.match(verifySvid(build({}), ca.certPem), { spiffeId: 'spiffe://cluster.local/ns/a/sa/b' }, 'baseline is valid');
  t.match(verifySvid(build({ extKeyUsage: undefined }), ca.certPem), { serviceAccount: 'b' }, 'EKU is optional');
  t.match(verifySvid(build({ altNames: [{ type: 'uri', value: 'spiffe://cluster.local/ns/a/sa/b' }, { type: 'dns', value: 'b.a.svc' }] }), ca.certPem), { dnsNames: ['b.a.svc'] }, 'DNS SANs allowed next to the URI SAN');
  t.match(verifySvid(build({ keyUsage: { digitalSignature: true, keyEncipherment: true } }), ca.certPem), { serviceAccount: 'b' });
  t.match(verifySvid(build({ altNames: [{ type: 'uri', value: 'spiffe://cluster.local/custom/path' }] }), ca.certPem), { path: '/custom/path' }, 'any non-root path');
  t.throws(() => verifySvid(build({ extKeyUsage: { serverAuth: true, clientAuth: false } }), ca.certPem), { code: 'LEAF_EXT_KEY_USAGE' });
  t.throws(() => verifySvid(build({ extKeyUsage: { serverAuth: false, clientAuth: true } }), ca.certPem), { code: 'LEAF_EXT_KEY_USAGE' });
  t.throws(() => verifySvid(build({ keyUsage: { keyEncipherment: true } }), ca.certPem), { code: 'LEAF_KEY_USAGE' }, 'digitalSignature required');
  t.throws(() => verifySvid(build({ keyUsage: { digitalSignature: true, cRLSign: true } }), ca.certPem), { code: 'LEAF_KEY_USAGE' });
  t.throws(() => verifySvid(build({ keyUsage: { digitalSignature: true, keyCertSign: true } }), ca.certPem), { code: 'LEAF_KEY_USAGE' });
  t.throws(() => verifySvid(build({ isCa: true }), ca.certPem), { code: 'LEAF_IS_CA' });
  t.throws(() => verifySvid(build({ altNames: [{ type: 'uri', value: 'spiffe://cluster.local/a' }, { type: 'uri', value: 'spiffe://cluster.local/b' }] }), ca.certPem), { code: 'MULTIPLE_URI_SANS' });
  t.throws(() => verifySvid(build({ altNames: [{ type: 'uri', value: 'spiffe://cluster.local/a/../b' }] }), ca.certPem), { code: 'BAD_SPIFFE_ID' });
  t.throws(() => verifySvid(build({ altNames: [{ type: 'dns', value: 'b.a.svc' }] }), ca.certPem), { code: 'NO_URI_SAN' });
  t.throws(() => verifySvid(build({ altNames: [{ type: 'uri', value: 'spiffe://cluster.local' }] }), ca.certPem), { code: 'ROOT_PATH' });
  t.throws(() => verifySvid(build({ notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) }), ca.certPem), { code: 'EXPIRED' });
  // Istio 0.7 itself left the SAN extension non-critical with an empty subject; such certs still validate.
  t.match(verifySvid(build({ altNamesCritical: false }), ca.certPem), { serviceAccount: 'b' });
});

t.test('Istio file layout (§4.3)', async (t) => {
  t.same(ISTIO_CERT_FILES, { certChain: 'cert-chain.pem', key: 'key.pem', rootCert: 'root-cert.pem' });
  t.same(ISTIO_CA_FILES, { cert: 'ca-cert.pem', key: 'ca-key.pem' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alpsim-pki-fid-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const svid = ca.issueWorkload({ namespace: 'ns', serviceAccount: 'sa', keyType: 'ec' });
  writeIstioLayout(path.join(dir, 'etc-certs'), svid);
  t.same(fs.readdirSync(path.join(dir, 'etc-certs')).sort(), ['cert-chain.pem', 'key.pem', 'root-cert.pem']);
  t.equal(fs.statSync(path.join(dir, 'etc-certs', 'key.pem')).mode & 0o777, 0o600);
  t.same(readIstioLayout(path.join(dir, 'etc-certs')), { certChainPem: svid.certChainPem, keyPem: svid.keyPem, rootCertPem: ca.certPem });
});
