import * as crypto from 'node:crypto';
import forge from 'node-forge';

/**
 * Certificate construction: node-forge builds the TBSCertificate structure (names, validity,
 * extensions), node:crypto supplies the public key DER and the signature. Two reasons:
 * forge cannot encode EC public keys ("Unknown OID" for 1.2.840.10045.2.1), and forge's pure-JS
 * RSA signing is ~50x slower than crypto.sign (landscape-peers.md §3.5).
 */

const asn1 = forge.asn1;

export type KeyType = 'rsa' | 'ec';

export interface KeyPair {
  type: KeyType;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
}

/** The same, generated on libuv's thread pool so the event loop keeps running (RSA takes ~100+ ms). */
export function generateKeyPairAsync(type: KeyType): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: crypto.KeyObject, privateKey: crypto.KeyObject) =>
      error ? reject(error) : resolve({ type, publicKey, privateKey });
    if (type === 'ec') crypto.generateKeyPair('ec', { namedCurve: 'prime256v1' }, done);
    else crypto.generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, done);
  });
}

/** RSA 2048 (Istio's default) or ECDSA P-256. */
export function generateKeyPair(type: KeyType): KeyPair {
  const pair =
    type === 'ec'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return { type, ...pair };
}

/** PKCS#1 `RSA PRIVATE KEY` / SEC1 `EC PRIVATE KEY`, the formats Go's Istio CA wrote. */
export function privateKeyPem(key: crypto.KeyObject): string {
  const type = key.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs1';
  return key.export({ format: 'pem', type }) as string;
}

export function keyTypeOf(key: crypto.KeyObject): KeyType {
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  if (key.asymmetricKeyType === 'ec') return 'ec';
  throw new Error(`unsupported key type ${String(key.asymmetricKeyType)}`);
}

export type AltName = { type: 'uri' | 'dns'; value: string };

export interface CertificateTemplate {
  serialHex: string;
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  notBefore: Date;
  notAfter: Date;
  publicKey: crypto.KeyObject;
  isCa: boolean;
  keyUsage: { digitalSignature?: boolean; keyEncipherment?: boolean; keyCertSign?: boolean; cRLSign?: boolean };
  extKeyUsage?: { serverAuth: boolean; clientAuth: boolean };
  altNames: AltName[];
  altNamesCritical: boolean;
}

/**
 * 128 random bits (Istio: rand.Int below 2^128) as the content of a DER INTEGER: minimal length
 * (no redundant leading zero byte — BoringSSL and Go reject those) and positive (a 00 byte is
 * prepended when the top bit is set).
 */
export function randomSerialHex(): string {
  let value = 0n;
  while (value === 0n) value = BigInt(`0x${crypto.randomBytes(16).toString('hex')}`);
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return parseInt(hex[0], 16) >= 8 ? `00${hex}` : hex;
}

const OID_RSA_SHA256 = '1.2.840.113549.1.1.11';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';

function signatureAlgorithmAsn1(signer: crypto.KeyObject): forge.asn1.Asn1 {
  if (keyTypeOf(signer) === 'ec') {
    // ecdsa-with-SHA256 has absent parameters (RFC 5758).
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_ECDSA_SHA256).getBytes()),
    ]);
  }
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_RSA_SHA256).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
}

/** Exported by node-forge's x509.js but missing from @types/node-forge. */
interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

// forge insists on an RSA public key object to build the TBS; it is replaced by the real SPKI.
const PLACEHOLDER_PUBLIC_KEY = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger('3'), new forge.jsbn.BigInteger('65537'));

/** Builds, signs and returns a certificate as PEM. */
export function buildCertificate(template: CertificateTemplate, signer: crypto.KeyObject): string {
  const cert = forge.pki.createCertificate();
  cert.serialNumber = template.serialHex;
  cert.validity.notBefore = template.notBefore;
  cert.validity.notAfter = template.notAfter;
  cert.setSubject(template.subject);
  cert.setIssuer(template.issuer);
  cert.publicKey = PLACEHOLDER_PUBLIC_KEY;
  const extensions: object[] = [
    { name: 'basicConstraints', cA: template.isCa, critical: true },
    { name: 'keyUsage', critical: true, ...template.keyUsage },
  ];
  if (template.extKeyUsage) extensions.push({ name: 'extKeyUsage', ...template.extKeyUsage });
  if (template.altNames.length > 0) {
    extensions.push({
      name: 'subjectAltName',
      critical: template.altNamesCritical,
      altNames: template.altNames.map((n) => (n.type === 'uri' ? { type: 6, value: n.value } : { type: 2, value: n.value })),
    });
  }
  cert.setExtensions(extensions);
  // forge fills siginfo from the signing call; we sign ourselves, so set the OID it encodes.
  cert.siginfo.algorithmOid = OID_RSA_SHA256;
  const tbs = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  const tbsFields = tbs.value as forge.asn1.Asn1[];
  tbsFields[2] = signatureAlgorithmAsn1(signer); // signature algorithm of the issuer key
  const spkiDer = template.publicKey.export({ format: 'der', type: 'spki' });
  tbsFields[6] = asn1.fromDer(forge.util.createBuffer(spkiDer.toString('binary')));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = crypto.sign('sha256', tbsDer, signer); // DER ECDSA-Sig-Value for EC keys
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    signatureAlgorithmAsn1(signer),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature.toString('binary')),
  ]);
  const der = asn1.toDer(certificate).getBytes();
  return forge.pem.encode({ type: 'CERTIFICATE', body: der }, { maxline: 64 }).replace(/\r\n/g, '\n');
}
