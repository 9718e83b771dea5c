import * as crypto from 'node:crypto';
import { SvidVerificationError } from './errors';
import { parseSpiffeId, type SpiffeId } from './spiffe';
import { OID_CLIENT_AUTH, OID_SERVER_AUTH, inspectCertificate } from './x509-inspect';

export interface VerifiedSvid extends SpiffeId {
  /** Alias of `id`. */
  spiffeId: string;
  notBefore: Date;
  notAfter: Date;
  /** Leaf serial number, upper-case hex as node prints it. */
  serialNumber: string;
  /** DNS SANs next to the SPIFFE ID (allowed by the standard). */
  dnsNames: string[];
}

export interface VerifySvidOptions {
  /** Check validity at this time instead of now. */
  now?: Date;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function parsePemCertificates(pem: string, what: string): crypto.X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  return blocks.map((block, i) => {
    try {
      return new crypto.X509Certificate(block);
    } catch (error) {
      throw new SvidVerificationError('PARSE', `${what}: certificate #${i + 1} is not valid X.509: ${(error as Error).message}`);
    }
  });
}

function describe(cert: crypto.X509Certificate): string {
  const subject = (cert.subject ?? '').replace(/\n/g, ', ');
  return subject ? `"${subject}" (serial ${cert.serialNumber})` : `serial ${cert.serialNumber}`;
}

function checkValidity(cert: crypto.X509Certificate, now: Date, role: string): void {
  if (now < new Date(cert.validFrom)) {
    throw new SvidVerificationError('NOT_YET_VALID', `${role} ${describe(cert)} is not valid before ${new Date(cert.validFrom).toISOString()} (now ${now.toISOString()})`);
  }
  if (now > new Date(cert.validTo)) {
    throw new SvidVerificationError('EXPIRED', `${role} ${describe(cert)} expired at ${new Date(cert.validTo).toISOString()} (now ${now.toISOString()})`);
  }
}

/**
 * Validates an X.509-SVID chain for authentication the way the SPIFFE standard asks
 * (standards/X509-SVID.md §5): path validation from the leaf through any intermediates to
 * `rootPem`, validity of each certificate, then the leaf rules — cA=false, key usage critical with
 * digitalSignature and neither keyCertSign nor cRLSign, EKU (if present) with serverAuth and
 * clientAuth, exactly one URI SAN, scheme spiffe, a well-formed ID with a non-root path.
 * Throws SvidVerificationError (with a `code`) on the first broken rule.
 */
export function verifySvid(certChainPem: string, rootPem: string, options: VerifySvidOptions = {}): VerifiedSvid {
  const now = options.now ?? new Date();
  const chain = parsePemCertificates(certChainPem, 'certificate chain');
  if (chain.length === 0) throw new SvidVerificationError('EMPTY_CHAIN', 'certificate chain contains no PEM CERTIFICATE block');
  const roots = parsePemCertificates(rootPem, 'root');
  if (roots.length === 0) throw new SvidVerificationError('PARSE', 'root contains no PEM CERTIFICATE block');
  const leaf = chain[0];

  // Path validation: each certificate is issued and signed by the next one, the last by a root.
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    const role = i === 0 ? 'leaf certificate' : `intermediate certificate #${i}`;
    checkValidity(cert, now, role);
    const next = chain[i + 1];
    if (next) {
      // RFC 5280: only a CA certificate may issue; check that before trusting its signature.
      if (!inspectCertificate(Buffer.from(next.raw)).isCa) {
        throw new SvidVerificationError('INTERMEDIATE_NOT_CA', `intermediate certificate #${i + 1} ${describe(next)} is not a CA (basicConstraints cA=false)`);
      }
      if (!cert.checkIssued(next) || !cert.verify(next.publicKey)) {
        throw new SvidVerificationError('UNTRUSTED', `${role} ${describe(cert)} is not signed by the next certificate in the chain ${describe(next)}`);
      }
      continue;
    }
    const root = roots.find((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
    if (!root) {
      const sameName = roots.some((r) => cert.checkIssued(r));
      throw new SvidVerificationError(
        'UNTRUSTED',
        sameName
          ? `${role} ${describe(cert)} names the root as issuer but its signature does not verify with the root key (signed by a different CA)`
          : `${role} ${describe(cert)} was not issued by the given root (issuer "${(cert.issuer ?? '').replace(/\n/g, ', ')}")`,
      );
    }
    checkValidity(root, now, 'root certificate');
  }

  const facts = inspectCertificate(Buffer.from(leaf.raw));
  if (facts.isCa) throw new SvidVerificationError('LEAF_IS_CA', 'leaf certificate has basicConstraints cA=true; an X.509-SVID leaf must have cA=false');
  const ku = facts.keyUsage;
  if (!ku) throw new SvidVerificationError('LEAF_KEY_USAGE', 'leaf certificate has no key usage extension; X.509-SVID requires it');
  if (!ku.critical) throw new SvidVerificationError('LEAF_KEY_USAGE', 'leaf key usage extension is not marked critical');
  if (!ku.digitalSignature) throw new SvidVerificationError('LEAF_KEY_USAGE', 'leaf key usage lacks digitalSignature');
  if (ku.keyCertSign || ku.cRLSign) throw new SvidVerificationError('LEAF_KEY_USAGE', 'leaf key usage must not include keyCertSign or cRLSign');
  if (facts.extKeyUsage && !(facts.extKeyUsage.includes(OID_SERVER_AUTH) && facts.extKeyUsage.includes(OID_CLIENT_AUTH))) {
    throw new SvidVerificationError('LEAF_EXT_KEY_USAGE', 'leaf extended key usage must include both serverAuth and clientAuth');
  }
  if (facts.uris.length === 0) throw new SvidVerificationError('NO_URI_SAN', 'leaf certificate has no URI SAN; an X.509-SVID carries its SPIFFE ID as exactly one URI SAN');
  if (facts.uris.length > 1) {
    throw new SvidVerificationError('MULTIPLE_URI_SANS', `leaf certificate has ${facts.uris.length} URI SANs (${facts.uris.join(', ')}); an X.509-SVID must have exactly one`);
  }
  const parsed = parseSpiffeId(facts.uris[0]);
  if (!parsed.ok) throw new SvidVerificationError(parsed.notSpiffe ? 'NOT_SPIFFE' : 'BAD_SPIFFE_ID', `leaf URI SAN: ${parsed.reason}`);
  if (parsed.value.path === '') {
    throw new SvidVerificationError('ROOT_PATH', `leaf SPIFFE ID ${parsed.value.id} has no path; only signing certificates may use the bare trust domain`);
  }
  return {
    ...parsed.value,
    spiffeId: parsed.value.id,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serialNumber: leaf.serialNumber,
    dnsNames: facts.dnsNames,
  };
}
