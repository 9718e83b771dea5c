// Test certificates built directly with node:crypto keys + node-forge, including deliberately bad ones
// (wrong CA, expired, no URI SAN, two URI SANs, non-SPIFFE SAN) that a real CA would never issue.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as forge from 'node-forge';

export interface TestCa { certPem: string; key: forge.pki.rsa.PrivateKey; cert: forge.pki.Certificate }
export interface TestSvid { certChainPem: string; keyPem: string; rootCertPem: string }

// One RSA key per role keeps generation cheap; certificates differ, keys may repeat.
const keyCache = new Map<string, { privatePem: string; forgeKey: forge.pki.rsa.PrivateKey; forgePub: forge.pki.rsa.PublicKey }>();
function key(role: string) {
  let k = keyCache.get(role);
  if (!k) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    k = {
      privatePem,
      forgeKey: forge.pki.privateKeyFromPem(privatePem),
      forgePub: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string),
    };
    keyCache.set(role, k);
  }
  return k;
}

export function makeCa(org = 'k8s.cluster.local', role = 'ca'): TestCa {
  const k = key(role);
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.forgePub;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86400_000);
  const attrs = [{ name: 'organizationName', value: org }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  cert.sign(k.forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), key: k.forgeKey, cert };
}

export interface LeafOptions {
  uris?: string[];
  dns?: string[];
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** the root handed out with the SVID (default: the issuing CA) */
  rootCertPem?: string;
}

export function issueLeaf(ca: TestCa, opts: LeafOptions): TestSvid {
  const k = key('leaf');
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.forgePub;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 19 * 3600_000);
  cert.setSubject(opts.commonName ? [{ name: 'commonName', value: opts.commonName }] : [{ name: 'organizationName', value: '' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  const altNames = [
    ...(opts.uris ?? []).map((value) => ({ type: 6, value })),
    ...(opts.dns ?? []).map((value) => ({ type: 2, value })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { certChainPem: forge.pki.certificateToPem(cert), keyPem: k.privatePem, rootCertPem: opts.rootCertPem ?? ca.certPem };
}

export function spiffe(ns: string, sa: string): string {
  return `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
}
