// The client side: a source workload's proxy opening mTLS to a destination's inbound listener,
// presenting its SVID and checking the server's SPIFFE ID (Envoy's verify_subject_alt_name); and a
// bare plaintext client for sources without a sidecar.
import type { PeerCertificate } from 'node:tls';
import { Client, type Dispatcher } from 'undici';
import { inspectCertificate } from '@alpsim/pki';
import type { SidecarCerts } from './listener';

export interface OutboundTarget {
  /** where the destination's inbound listener really listens */
  loopbackAddress: string;
  listenPort: number;
  /** scenario address, for Host/log purposes */
  ip?: string;
  port?: number;
  /** SPIFFE IDs the server certificate may carry (verify_subject_alt_name); empty/undefined = chain check only */
  expectedSpiffeIds?: string[];
  expectedSpiffeId?: string;
}

export interface OutboundRequest {
  to: OutboundTarget;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Host header; default `<to.ip>:<to.port>` (or the listen address) */
  authority?: string;
  timeoutMs?: number;
}

export interface OutboundResult {
  /** HTTP status; 503 when the sidecar could not reach the destination; 0 for a bare client that got no answer */
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** why no HTTP answer came from the destination (TLS rejection, SAN mismatch, reset, refused) */
  failure?: string;
}

export function expectedIds(to: OutboundTarget): string[] {
  return [...(to.expectedSpiffeIds ?? []), ...(to.expectedSpiffeId ? [to.expectedSpiffeId] : [])];
}

/** Envoy verify_subject_alt_name: some URI/DNS SAN of the server certificate must be in the list. */
export function serverIdentityCheck(expected: string[]): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    if (expected.length === 0) return undefined;
    const facts = inspectCertificate(cert.raw);
    const sans = [...facts.uris, ...facts.dnsNames];
    if (sans.some((s) => expected.includes(s))) return undefined;
    return Object.assign(new Error(
      `server certificate SANs [${sans.join(', ') || 'none'}] match none of the expected SPIFFE IDs [${expected.join(', ')}] (verify_subject_alt_name)`),
    { code: 'ERR_ALPSIM_SAN_MISMATCH' });
  };
}

export interface MtlsClientOptions {
  /** source address to bind (the source workload's loopback address) */
  localAddress?: string;
  /** client certificate to present; undefined = TLS without a client certificate */
  certs?: Partial<SidecarCerts> & { rootCertPem?: string };
  expectedSpiffeIds?: string[];
}

export function createMtlsClient(to: OutboundTarget, opts: MtlsClientOptions): Client {
  return new Client(`https://${to.loopbackAddress}:${to.listenPort}`, {
    localAddress: opts.localAddress,
    connect: {
      ca: opts.certs?.rootCertPem,
      cert: opts.certs?.certChainPem,
      key: opts.certs?.keyPem,
      rejectUnauthorized: true,
      checkServerIdentity: serverIdentityCheck(opts.expectedSpiffeIds ?? expectedIds(to)),
    },
  });
}

export function createPlaintextClient(to: OutboundTarget, localAddress?: string): Client {
  return new Client(`http://${to.loopbackAddress}:${to.listenPort}`, { localAddress });
}

type CodedError = Error & { code?: string };
function describeFailure(err: CodedError): string {
  const inner = (err.cause instanceof Error ? err.cause : err) as CodedError;
  const code = inner.code ?? err.code;
  return `${inner.message}${code && !inner.message.includes(code) ? ` (${code})` : ''}`;
}

/** Send one request through a dispatcher; transport failures become `{status: 0, failure}`. */
export async function sendRequest(client: Dispatcher, req: OutboundRequest): Promise<OutboundResult> {
  const to = req.to;
  const authority = req.authority ?? (to.ip ? `${to.ip}:${to.port ?? to.listenPort}` : `${to.loopbackAddress}:${to.listenPort}`);
  try {
    const res = await client.request({
      path: req.path ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: { host: authority, ...(req.headers ?? {}) },
      body: req.body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const body = await res.body.text();
    return { status: res.statusCode, headers: res.headers as Record<string, string | string[]>, body };
  } catch (err) {
    return { status: 0, headers: {}, body: '', failure: describeFailure(err as CodedError) };
  }
}

/**
 * A bare client (no sidecar, no identity) sending one plaintext HTTP request from `localAddress`.
 * Against an mTLS listener this gets no HTTP answer: `{status: 0, failure}`.
 */
export async function plaintextRequest(req: OutboundRequest & { localAddress?: string }): Promise<OutboundResult> {
  const client = createPlaintextClient(req.to, req.localAddress);
  try { return await sendRequest(client, req); } finally { await client.destroy(); }
}

/**
 * One mTLS request with arbitrary credentials (e.g. stolen or forged certificates), without a sidecar.
 */
export async function mtlsRequest(req: OutboundRequest & MtlsClientOptions): Promise<OutboundResult> {
  const client = createMtlsClient(req.to, req);
  try { return await sendRequest(client, req); } finally { await client.destroy(); }
}
