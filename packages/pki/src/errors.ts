/**
 * A problem with what the caller asked for (bad trust domain, bad name, bad option). Carries
 * `userError = true` so the alpsim CLI prints the message without a stack trace.
 */
export class PkiInputError extends Error {
  readonly userError = true;
  constructor(message: string) {
    super(message);
    this.name = 'PkiInputError';
  }
}

/** Why `verifySvid` rejected a certificate chain: one stable code per SPIFFE/X.509 rule. */
export type SvidErrorCode =
  | 'PARSE' // not PEM / not X.509
  | 'EMPTY_CHAIN'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'UNTRUSTED' // signature chain does not lead to the root
  | 'NO_URI_SAN'
  | 'MULTIPLE_URI_SANS'
  | 'NOT_SPIFFE' // URI SAN scheme is not spiffe
  | 'BAD_SPIFFE_ID' // malformed SPIFFE ID (trust domain / path characters, query, port…)
  | 'ROOT_PATH' // leaf SPIFFE ID has no path
  | 'LEAF_IS_CA' // basicConstraints cA=true on the leaf
  | 'LEAF_KEY_USAGE' // key usage missing, not critical, no digitalSignature, or keyCertSign/cRLSign
  | 'LEAF_EXT_KEY_USAGE' // EKU present without serverAuth + clientAuth
  | 'INTERMEDIATE_NOT_CA'
  | 'TRUST_DOMAIN_MISMATCH'; // leaf trust domain differs from the root's SPIFFE ID

/** A certificate chain that breaks an X.509-SVID rule; `code` names the rule. */
export class SvidVerificationError extends Error {
  constructor(
    readonly code: SvidErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SvidVerificationError';
  }
}
