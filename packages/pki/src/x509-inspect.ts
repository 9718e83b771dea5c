import forge from 'node-forge';

/**
 * Reads the extensions an SVID validator needs straight from the DER with forge's ASN.1 parser.
 * (forge.pki.certificateFromPem would refuse EC certificates, and node's X509Certificate exposes
 * neither key usage bits nor an unambiguous list of URI SANs.)
 */

const asn1 = forge.asn1;

export interface CertificateFacts {
  /** basicConstraints cA (false when the extension is absent). */
  isCa: boolean;
  keyUsage?: {
    critical: boolean;
    digitalSignature: boolean;
    keyEncipherment: boolean;
    keyAgreement: boolean;
    keyCertSign: boolean;
    cRLSign: boolean;
  };
  /** OIDs of the extended key usage extension, when present. */
  extKeyUsage?: string[];
  uris: string[];
  dnsNames: string[];
}

const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function children(node: forge.asn1.Asn1): forge.asn1.Asn1[] {
  return Array.isArray(node.value) ? node.value : [];
}

function bytesOf(node: forge.asn1.Asn1): string {
  return typeof node.value === 'string' ? node.value : '';
}

export function inspectCertificate(der: Buffer): CertificateFacts {
  const cert = asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const tbs = children(cert)[0];
  const facts: CertificateFacts = { isCa: false, uris: [], dnsNames: [] };
  const extensionsWrapper = children(tbs).find((n) => n.tagClass === asn1.Class.CONTEXT_SPECIFIC && n.type === 3);
  if (!extensionsWrapper) return facts;
  for (const ext of children(children(extensionsWrapper)[0])) {
    const parts = children(ext);
    const oid = asn1.derToOid(forge.util.createBuffer(bytesOf(parts[0])));
    const critical = parts.length === 3 && bytesOf(parts[1]).charCodeAt(0) !== 0;
    const value = asn1.fromDer(forge.util.createBuffer(bytesOf(parts[parts.length - 1])));
    switch (oid) {
      case OID_BASIC_CONSTRAINTS: {
        const first = children(value)[0];
        facts.isCa = first !== undefined && first.type === asn1.Type.BOOLEAN && bytesOf(first).charCodeAt(0) !== 0;
        break;
      }
      case OID_KEY_USAGE: {
        // BIT STRING: first byte = unused bits, then bits numbered from the MSB of the next byte.
        const bits = bytesOf(value);
        const bit = (n: number) => ((bits.charCodeAt(1 + (n >> 3)) || 0) & (0x80 >> (n & 7))) !== 0;
        facts.keyUsage = {
          critical,
          digitalSignature: bit(0),
          keyEncipherment: bit(2),
          keyAgreement: bit(4),
          keyCertSign: bit(5),
          cRLSign: bit(6),
        };
        break;
      }
      case OID_EXT_KEY_USAGE:
        facts.extKeyUsage = children(value).map((n) => asn1.derToOid(forge.util.createBuffer(bytesOf(n))));
        break;
      case OID_SUBJECT_ALT_NAME:
        for (const name of children(value)) {
          if (name.tagClass !== asn1.Class.CONTEXT_SPECIFIC) continue;
          if (name.type === 6) facts.uris.push(forge.util.decodeUtf8(bytesOf(name)));
          if (name.type === 2) facts.dnsNames.push(bytesOf(name));
        }
        break;
    }
  }
  return facts;
}
