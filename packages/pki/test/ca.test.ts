import * as crypto from 'node:crypto';
import t from 'tap';
import { randomSerialHex } from '../src/x509-build';
import { ISTIO_DEFAULTS, PkiInputError, createCertificateAuthority, inspectCertificate, loadCertificateAuthority, parseSpiffeId } from '../src/index';

const der = (pem: string) => Buffer.from(new crypto.X509Certificate(pem).raw);

t.test('RSA CA and workload certificate carry Istio 0.7 defaults', async (t) => {
  const ca = createCertificateAuthority({ trustDomain: 'cluster.local' });
  const caCert = new crypto.X509Certificate(ca.certPem);
  t.equal(caCert.subject, 'O=k8s.cluster.local');
  t.equal(caCert.issuer, 'O=k8s.cluster.local', 'self-signed');
  t.ok(caCert.ca, 'CA has cA=true');
  t.equal(caCert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  t.ok(caCert.verify(caCert.publicKey));
  const caLifetime = Date.parse(caCert.validTo) - Date.parse(caCert.validFrom);
  t.equal(caLifetime, ISTIO_DEFAULTS.caTtlSeconds * 1000, 'CA TTL 1 year');
  const caFacts = inspectCertificate(der(ca.certPem));
  t.match(caFacts.keyUsage, { critical: true, keyCertSign: true, digitalSignature: false });
  t.same(caFacts.uris, ['spiffe://cluster.local'], 'CA carries the trust-domain SPIFFE ID');

  const svid = ca.issueWorkload({ namespace: 'default', serviceAccount: 'web' });
  t.equal(svid.spiffeId, 'spiffe://cluster.local/ns/default/sa/web');
  t.equal(svid.rootCertPem, ca.certPem);
  t.match(svid.keyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
  const leaf = new crypto.X509Certificate(svid.certChainPem);
  t.equal(leaf.subjectAltName, 'URI:spiffe://cluster.local/ns/default/sa/web');
  t.notOk(leaf.ca, 'leaf cA=false');
  t.ok(leaf.verify(caCert.publicKey), 'signed by the CA key');
  t.ok(leaf.checkIssued(caCert), 'issuer name matches the CA subject');
  t.ok(leaf.checkPrivateKey(crypto.createPrivateKey(svid.keyPem)), 'key.pem matches the certificate');
  t.equal(leaf.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  t.same(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], 'EKU serverAuth + clientAuth');
  t.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 19 * 3600 * 1000, 'workload TTL 19 h');
  t.ok(Math.abs(Date.parse(leaf.validFrom) - Date.now()) < 5000, 'NotBefore = now');
  const facts = inspectCertificate(der(svid.certChainPem));
  t.match(facts.keyUsage, { critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: false, cRLSign: false });
  t.equal(facts.uris.length, 1, 'exactly one URI SAN');
  t.equal(leaf.serialNumber.replace(/^0+/, '').length <= 32, true, 'serial fits 128 bits');
  t.not(leaf.serialNumber, new crypto.X509Certificate(ca.issueWorkload({ namespace: 'default', serviceAccount: 'web' }).certChainPem).serialNumber, 'serials are random');
});

t.test('EC P-256 keys are spliced into the certificate and signed with ECDSA', async (t) => {
  const ca = createCertificateAuthority({ trustDomain: 'example.org', keyType: 'ec' });
  const caCert = new crypto.X509Certificate(ca.certPem);
  t.equal(caCert.publicKey.asymmetricKeyType, 'ec');
  t.equal(caCert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const svid = ca.issueWorkload({ namespace: 'ns1', serviceAccount: 'sa1', ttlSeconds: 600 });
  t.equal(svid.keyType, 'ec', 'workload key type defaults to the CA key type');
  t.match(svid.keyPem, /^-----BEGIN EC PRIVATE KEY-----/);
  const leaf = new crypto.X509Certificate(svid.certChainPem);
  t.ok(leaf.verify(caCert.publicKey));
  t.ok(leaf.checkPrivateKey(crypto.createPrivateKey(svid.keyPem)));
  t.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 600_000);
  t.match(inspectCertificate(der(svid.certChainPem)).keyUsage, { digitalSignature: true, keyEncipherment: false });

  const mixed = ca.issueWorkload({ namespace: 'ns1', serviceAccount: 'sa2', keyType: 'rsa' });
  t.equal(new crypto.X509Certificate(mixed.certChainPem).publicKey.asymmetricKeyType, 'rsa', 'RSA leaf under an EC CA');
  t.ok(new crypto.X509Certificate(mixed.certChainPem).verify(caCert.publicKey));
});

t.test('inputs are validated against the SPIFFE rules', async (t) => {
  t.throws(() => createCertificateAuthority({ trustDomain: 'Example.org' }), { name: 'PkiInputError', message: /trust domain may only contain lower-case/ });
  t.throws(() => createCertificateAuthority({ trustDomain: '' }), /trust domain is empty/);
  t.throws(() => createCertificateAuthority({ trustDomain: 'a'.repeat(256) }), /longer than 255 bytes/);
  t.throws(() => createCertificateAuthority({ trustDomain: 'ex%41mple' }), /percent-encoded/);
  const ca = createCertificateAuthority({ trustDomain: 'td', keyType: 'ec' });
  t.throws(() => ca.issueWorkload({ namespace: 'a/b', serviceAccount: 'x' }), /invalid namespace "a\/b": .*found "\/"/);
  t.throws(() => ca.issueWorkload({ namespace: 'ns', serviceAccount: '..' }), /invalid service account "\.\.": path segment must not be/);
  t.throws(() => ca.issueWorkload({ namespace: '', serviceAccount: 'x' }), /path segment is empty/);
  t.throws(() => ca.issueWorkload({ namespace: 'ns', serviceAccount: 'x', ttlSeconds: 8 * 86400 }), /exceeds the maximum/);
  t.throws(() => ca.issueWorkload({ namespace: 'ns', serviceAccount: 'x', ttlSeconds: -1 }), /at least 1 second/);
  const expiredCa = createCertificateAuthority({ trustDomain: 'td', keyType: 'ec', notBefore: new Date(Date.now() - 7200_000), ttlSeconds: 3600 });
  t.throws(() => expiredCa.issueWorkload({ namespace: 'ns', serviceAccount: 'x' }), /would not be a valid X.509-SVID: root certificate .* expired/, 'an expired CA cannot issue');
  const err = t.throws(() => ca.issueWorkload({ namespace: 'ns', serviceAccount: 'x y' })) as PkiInputError;
  t.equal(err.userError, true, 'user errors are flagged for the CLI');
});

t.test('parseSpiffeId follows the SPIFFE ID standard', async (t) => {
  t.match(parseSpiffeId('spiffe://cluster.local/ns/a/sa/b'), { ok: true, value: { trustDomain: 'cluster.local', path: '/ns/a/sa/b', namespace: 'a', serviceAccount: 'b' } });
  t.match(parseSpiffeId('SPIFFE://Cluster.Local/Path'), { ok: true, value: { id: 'spiffe://cluster.local/Path' } }, 'scheme and trust domain are case-insensitive');
  t.match(parseSpiffeId('spiffe://td'), { ok: true, value: { path: '' } });
  t.match(parseSpiffeId('https://td/x'), { ok: false, notSpiffe: true });
  for (const bad of ['spiffe://td/x?q=1', 'spiffe://td/x#f', 'spiffe://td:80/x', 'spiffe://u@td/x', 'spiffe://td/x/', 'spiffe://td//x', 'spiffe://td/./x', 'spiffe://td/a%20b', 'spiffe:///x']) {
    t.match(parseSpiffeId(bad), { ok: false, notSpiffe: false }, bad);
  }
});

t.test('loadCertificateAuthority re-opens a CA and keeps issuing under the same root', async (t) => {
  const ca = createCertificateAuthority({ trustDomain: 'td.example', keyType: 'ec' });
  const again = loadCertificateAuthority({ certPem: ca.certPem, keyPem: ca.keyPem });
  t.equal(again.trustDomain, 'td.example', 'trust domain read from the CA URI SAN');
  const svid = again.issueWorkload({ namespace: 'n', serviceAccount: 's' });
  const leaf = new crypto.X509Certificate(svid.certChainPem);
  t.ok(leaf.checkIssued(new crypto.X509Certificate(ca.certPem)) && leaf.verify(new crypto.X509Certificate(ca.certPem).publicKey));
  t.throws(() => loadCertificateAuthority({ certPem: ca.certPem, keyPem: ca.keyPem, trustDomain: 'other' }), /trust domain "td.example", not "other"/);
  const other = createCertificateAuthority({ keyType: 'ec' });
  t.throws(() => loadCertificateAuthority({ certPem: ca.certPem, keyPem: other.keyPem }), /does not match/);
  t.throws(() => loadCertificateAuthority({ certPem: svid.certChainPem, keyPem: svid.keyPem }), /cA=true/);
  t.throws(() => loadCertificateAuthority({ certPem: 'garbage', keyPem: ca.keyPem }), /not a PEM X.509 certificate/);
});

t.test('issueWorkloadAsync generates keys off the event loop', async (t) => {
  const ca = createCertificateAuthority({ trustDomain: 'cluster.local', keyType: 'ec' });
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  const svids = await Promise.all(['a', 'b', 'c'].map((sa) => ca.issueWorkloadAsync({ namespace: 'ns', serviceAccount: sa, keyType: 'rsa' })));
  clearInterval(ticker);
  t.ok(ticks > 0, `the event loop kept turning (${ticks} ticks)`);
  t.same(svids.map((s) => s.spiffeId), ['a', 'b', 'c'].map((sa) => `spiffe://cluster.local/ns/ns/sa/${sa}`));
  for (const s of svids) t.equal(new crypto.X509Certificate(s.certChainPem).publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  await t.rejects(ca.issueWorkloadAsync({ namespace: 'bad ns', serviceAccount: 'x' }), /invalid namespace/);
  t.throws(() => ca.issueWorkload({ namespace: 'ns', serviceAccount: 'x', keyType: 'dsa' as never }), /key type must be "rsa" or "ec"/);
});

t.test('serial numbers are minimal positive DER integers', async (t) => {
  const bad: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const hex = randomSerialHex();
    const first = parseInt(hex.slice(0, 2), 16);
    const second = hex.length > 2 ? parseInt(hex.slice(2, 4), 16) : 0;
    const nonMinimal = first === 0 && second < 0x80;
    if (hex.length % 2 === 1 || nonMinimal || first >= 0x80 || hex.replace(/^00/, '').length > 32) bad.push(hex);
  }
  t.same(bad, [], '2000 serials: even hex length, minimal, positive, at most 128 bits');
});
