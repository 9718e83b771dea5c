import { PkiInputError } from './errors';

/** Limits and character sets from the SPIFFE ID standard (spiffe/spiffe standards/SPIFFE-ID.md). */
const MAX_TRUST_DOMAIN_BYTES = 255;
const MAX_SPIFFE_ID_BYTES = 2048;
const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const PATH_SEGMENT_CHARS = /^[a-zA-Z0-9._-]+$/;

export interface SpiffeId {
  /** The whole ID, e.g. `spiffe://cluster.local/ns/default/sa/web`. */
  id: string;
  trustDomain: string;
  /** `''` for the trust domain itself (signing authorities), else `/seg/seg…`. */
  path: string;
  /** Present when the path has the Istio form `/ns/<ns>/sa/<sa>`. */
  namespace?: string;
  serviceAccount?: string;
}

/** Returns a reason the trust domain is invalid, or undefined when it is fine. */
export function trustDomainProblem(trustDomain: string): string | undefined {
  if (trustDomain.length === 0) return 'trust domain is empty';
  if (Buffer.byteLength(trustDomain) > MAX_TRUST_DOMAIN_BYTES) return `trust domain is longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`;
  if (trustDomain.includes('%')) return 'trust domain must not be percent-encoded';
  if (!TRUST_DOMAIN_CHARS.test(trustDomain)) {
    const bad = [...trustDomain].find((c) => !/[a-z0-9._-]/.test(c));
    return `trust domain may only contain lower-case letters, digits, '.', '-' and '_' (found ${JSON.stringify(bad)})`;
  }
  return undefined;
}

/** Returns a reason the path segment is invalid, or undefined when it is fine. */
export function pathSegmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'path segment is empty';
  if (segment === '.' || segment === '..') return `path segment must not be ${JSON.stringify(segment)}`;
  if (segment.includes('%')) return 'path segment must not be percent-encoded';
  if (!PATH_SEGMENT_CHARS.test(segment)) {
    const bad = [...segment].find((c) => !/[a-zA-Z0-9._-]/.test(c));
    return `path segment may only contain letters, digits, '.', '-' and '_' (found ${JSON.stringify(bad)})`;
  }
  return undefined;
}

/** Throws PkiInputError unless the trust domain follows the SPIFFE rules. */
export function assertTrustDomain(trustDomain: string): void {
  const problem = trustDomainProblem(trustDomain);
  if (problem) throw new PkiInputError(`invalid trust domain ${JSON.stringify(trustDomain)}: ${problem}`);
}

/** The Istio identity `spiffe://<td>/ns/<ns>/sa/<sa>`, validated against the SPIFFE rules. */
export function workloadSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  assertTrustDomain(trustDomain);
  for (const [what, value] of [
    ['namespace', namespace],
    ['service account', serviceAccount],
  ] as const) {
    const problem = pathSegmentProblem(value);
    if (problem) throw new PkiInputError(`invalid ${what} ${JSON.stringify(value)}: ${problem}`);
  }
  const id = `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
  if (Buffer.byteLength(id) > MAX_SPIFFE_ID_BYTES) throw new PkiInputError(`SPIFFE ID is longer than ${MAX_SPIFFE_ID_BYTES} bytes`);
  return id;
}

/**
 * Parses a SPIFFE ID strictly; returns either the parts or a reason it is not a valid ID.
 * Scheme and trust domain compare case-insensitively, so they are lower-cased in the result.
 */
export function parseSpiffeId(uri: string): { ok: true; value: SpiffeId } | { ok: false; notSpiffe: boolean; reason: string } {
  const schemeEnd = uri.indexOf('://');
  if (schemeEnd < 0 || uri.slice(0, schemeEnd).toLowerCase() !== 'spiffe') {
    return { ok: false, notSpiffe: true, reason: `URI ${JSON.stringify(uri)} does not use the spiffe scheme` };
  }
  const fail = (reason: string) => ({ ok: false as const, notSpiffe: false, reason: `${JSON.stringify(uri)}: ${reason}` });
  if (Buffer.byteLength(uri) > MAX_SPIFFE_ID_BYTES) return fail(`longer than ${MAX_SPIFFE_ID_BYTES} bytes`);
  if (uri.includes('?')) return fail('a SPIFFE ID must not have a query');
  if (uri.includes('#')) return fail('a SPIFFE ID must not have a fragment');
  const rest = uri.slice(schemeEnd + 3);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (authority.includes('@')) return fail('a SPIFFE ID must not have userinfo');
  if (authority.includes(':')) return fail('a SPIFFE ID must not have a port');
  const trustDomain = authority.toLowerCase();
  const tdProblem = trustDomainProblem(trustDomain);
  if (tdProblem) return fail(tdProblem);
  if (path !== '') {
    if (path.endsWith('/')) return fail('path must not end with "/"');
    for (const segment of path.slice(1).split('/')) {
      const problem = pathSegmentProblem(segment);
      if (problem) return fail(problem);
    }
  }
  const istio = /^\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(path);
  const value: SpiffeId = { id: `spiffe://${trustDomain}${path}`, trustDomain, path };
  if (istio) {
    value.namespace = istio[1];
    value.serviceAccount = istio[2];
  }
  return { ok: true, value };
}
