import * as crypto from 'node:crypto';
import t from 'tap';
import { SVID_FLAWS, type SvidErrorCode, type SvidFlaw, SvidVerificationError, createCertificateAuthority, verifySvid } from '../src/index';

const ca = createCertificateAuthority({ trustDomain: 'cluster.local', keyType: 'ec' });

t.test('a good SVID verifies and yields its identity', async (t) => {
  const svid = ca.issueWorkload({ namespace: 'prod', serviceAccount: 'api', dnsNames: ['api.prod.svc'] });
  const result = verifySvid(svid.certChainPem, ca.rootCertPem);
  t.match(result, { spiffeId: 'spiffe://cluster.local/ns/prod/sa/api', trustDomain: 'cluster.local', namespace: 'prod', serviceAccount: 'api', dnsNames: ['api.prod.svc'] });
  t.equal(result.serialNumber, new crypto.X509Certificate(svid.certChainPem).serialNumber);
});

const expected: Record<SvidFlaw, { code: SvidErrorCode; message: RegExp }> = {
  expired: { code: 'EXPIRED', message: /leaf certificate .* expired at / },
  'not-yet-valid': { code: 'NOT_YET_VALID', message: /is not valid before/ },
  'wrong-ca': { code: 'UNTRUSTED', message: /signature does not verify with the root key/ },
  'no-uri-san': { code: 'NO_URI_SAN', message: /no URI SAN/ },
  'two-uri-sans': { code: 'MULTIPLE_URI_SANS', message: /2 URI SANs .*exactly one/ },
  'non-spiffe-san': { code: 'NOT_SPIFFE', message: /does not use the spiffe scheme/ },
  'root-path': { code: 'ROOT_PATH', message: /has no path/ },
  'ca-leaf': { code: 'LEAF_IS_CA', message: /cA=true/ },
};

t.test('each deliberate flaw is rejected with its own precise error', async (t) => {
  t.same([...SVID_FLAWS].sort(), Object.keys(expected).sort(), 'every flaw has an expectation');
  for (const flaw of SVID_FLAWS) {
    const svid = ca.issueWorkload({ namespace: 'prod', serviceAccount: 'api', flaw });
    t.equal(svid.rootCertPem, ca.rootCertPem, `${flaw}: rootCertPem is still the real root`);
    const error = t.throws(() => verifySvid(svid.certChainPem, ca.rootCertPem), expected[flaw].message, flaw) as SvidVerificationError;
    t.ok(error instanceof SvidVerificationError, `${flaw}: SvidVerificationError`);
    t.equal(error.code, expected[flaw].code, `${flaw}: code ${expected[flaw].code}`);
  }
});

t.test('chain validation: other roots, time travel, intermediates, garbage', async (t) => {
  const svid = ca.issueWorkload({ namespace: 'a', serviceAccount: 'b' });
  const otherCa = createCertificateAuthority({ trustDomain: 'cluster.local', organization: 'someone.else', keyType: 'ec' });
  t.throws(() => verifySvid(svid.certChainPem, otherCa.rootCertPem), { code: 'UNTRUSTED', message: /not issued by the given root \(issuer "O=k8s.cluster.local"\)/ });
  t.match(verifySvid(svid.certChainPem, otherCa.rootCertPem + ca.rootCertPem), { serviceAccount: 'b' }, 'any root of a bundle may anchor');
  t.throws(() => verifySvid(svid.certChainPem, ca.rootCertPem, { now: new Date(Date.now() + 20 * 3600_000) }), { code: 'EXPIRED' });
  t.throws(() => verifySvid(svid.certChainPem, ca.rootCertPem, { now: new Date(Date.now() + 400 * 86400_000) }), { code: 'EXPIRED' });
  t.throws(() => verifySvid('', ca.rootCertPem), { code: 'EMPTY_CHAIN' });
  t.throws(() => verifySvid('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', ca.rootCertPem), { code: 'PARSE' });
  t.throws(() => verifySvid(svid.certChainPem, 'nope'), { code: 'PARSE', message: /root contains no PEM/ });
  // A leaf followed by a non-CA "intermediate" must not validate.
  const leaf2 = ca.issueWorkload({ namespace: 'a', serviceAccount: 'c' });
  t.throws(() => verifySvid(svid.certChainPem + leaf2.certChainPem, ca.rootCertPem), { code: 'INTERMEDIATE_NOT_CA' });
});
