// Certificate identity as Envoy reads it: principal = first URI SAN, else the RFC 2253 subject; plus the
// X.509-SVID rules alpsim's listeners enforce on client certificates.
import { X509Certificate } from 'node:crypto';
import { inspectCertificate, SvidVerificationError, verifySvid } from '@alpsim/pki';

/** URI SANs in certificate order, read from the DER (Node's subjectAltName text is ambiguous). */
export function uriSans(cert: X509Certificate): string[] {
  return inspectCertificate(cert.raw).uris;
}

/**
 * RFC 2253 rendering (OpenSSL XN_FLAG_RFC2253, what Envoy prints): Node's multi-line subject already
 * escapes RFC 2253 specials, so only three things differ: every name entry is printed in reverse
 * order (RDNs, and the AVAs inside a multi-valued RDN), multi-valued RDNs are joined with `+` instead
 * of ` + ` (a literal `+` in a value is escaped, so ` + ` is always a separator), and bytes of
 * non-ASCII characters are escaped as `\XX` (ASN1_STRFLGS_ESC_MSB).
 */
export function rfc2253Subject(cert: X509Certificate): string {
  return (cert.subject ?? '')
    .split('\n')
    .filter(Boolean)
    .reverse()
    .map((rdn) => rdn.split(' + ').reverse().join('+'))
    .join(',')
    .replace(/[^\x00-\x7f]/gu, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `\\${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/**
 * Envoy's principal for a peer or local certificate: first URI SAN, else the RFC 2253 subject (2018).
 * `dnsSanFallback` (Envoy since 2019-08, #7948): the first DNS SAN is tried between the two.
 */
export function principalOf(cert: X509Certificate | undefined, dnsSanFallback = false): string {
  if (!cert) return '';
  const facts = inspectCertificate(cert.raw);
  if (facts.uris.length > 0) return facts.uris[0];
  if (dnsSanFallback && facts.dnsNames.length > 0) return facts.dnsNames[0];
  return rfc2253Subject(cert);
}

export function certificateFromPem(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

export type ClientCertPolicy = 'svid' | 'envoy';

export interface PeerVerdict {
  ok: boolean;
  /** Envoy stat that a rejection charges: ssl.fail_verify_no_cert / ssl.fail_verify_error / ssl.fail_verify_san */
  stat?: string;
  reason?: string;
  principal: string;
  /** Accepted under the 'envoy' policy although it is not an X.509-SVID: why, for the log. */
  warning?: string;
}

/** Human text for OpenSSL's verification codes that Node reports in `authorizationError`. */
const VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'client certificate has expired',
  CERT_NOT_YET_VALID: 'client certificate is not yet valid',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'client certificate is not signed by the trusted root (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'client certificate chain does not lead to the trusted root (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT: 'client certificate chain does not lead to the trusted root (unknown issuer)',
  SELF_SIGNED_CERT_IN_CHAIN: 'client certificate chain ends in a self-signed root that is not the trusted root',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'client certificate is self-signed and not the trusted root',
  CERT_SIGNATURE_FAILURE: 'client certificate signature does not verify',
  INVALID_CA: 'an issuer in the client certificate chain is not a CA',
  CERT_REVOKED: 'client certificate is revoked',
};

/**
 * Judge a TLS client: the chain verification result from Node/OpenSSL against the listener's root,
 * then, with policy 'svid', the X.509-SVID leaf rules as @alpsim/pki's verifySvid states them
 * (exactly one URI SAN, a SPIFFE ID with a path, cA=false, key usage). Policy 'envoy' accepts any
 * chain-verified certificate as 2018 Envoy did (its principal may then be a subject).
 */
export function judgeClientCertificate(
  cert: X509Certificate | undefined,
  authorized: boolean,
  authorizationError: string | undefined,
  policy: ClientCertPolicy,
  chainPem: string,
  rootCertPem: string,
  dnsSanFallback = false,
): PeerVerdict {
  if (!cert) return { ok: false, stat: 'ssl.fail_verify_no_cert', reason: 'client presented no certificate (mTLS required)', principal: '' };
  const principal = principalOf(cert, dnsSanFallback);
  if (!authorized) {
    const code = authorizationError ?? 'UNKNOWN';
    const text = VERIFY_ERRORS[code] ?? 'client certificate failed verification against the trusted root';
    return { ok: false, stat: 'ssl.fail_verify_error', reason: `${text} (${code})`, principal };
  }
  try {
    verifySvid(chainPem, rootCertPem);
  } catch (err) {
    if (!(err instanceof SvidVerificationError)) throw err;
    const subject = uriSans(cert).length === 0 ? ` (subject ${JSON.stringify(rfc2253Subject(cert))})` : '';
    const reason = `client certificate is not an X.509-SVID: ${err.message}${subject} [${err.code}]`;
    // Envoy's v1 ssl_context checks the chain only: accept, but say what Dikastes will be shown.
    if (policy === 'envoy') return { ok: true, principal, warning: reason };
    return { ok: false, stat: 'ssl.fail_verify_san', reason, principal };
  }
  return { ok: true, principal };
}
