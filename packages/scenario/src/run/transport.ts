import type { CheckRequest } from '@alpsim/proto';
import type { Verdict } from '../model';
import type { ResolvedRequest, ResolvedWorkload } from '../resolve';
import { buildCheckRequest, verdictOfOutcome } from '../authz';
import type { DikastesProcess } from './dikastes-process';
import type { ListenerKind } from './pilot-model';

export interface Delivery {
  got: Verdict;
  /** What came back: `OK`, `PERMISSION_DENIED`, `HTTP 403`, `timeout`, … */
  detail: string;
  /** The ext_authz call failed or never happened (Dikastes stopped/slow, TLS rejected): no engine decision applies. */
  transportFailure?: string;
  /** Decided before any Check (no listener, TLS, unchecked listener): retrying cannot change it. */
  beforeCheck?: boolean;
}

/** How a request reaches the destination's Dikastes: straight (direct mode) or through real proxies (full mode). */
export interface Transport {
  send(request: ResolvedRequest, check: CheckRequest): Promise<Delivery>;
  /** Called after a Dikastes restarted, so clients can reconnect before the next request. */
  dikastesRestarted(workloadKey: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sidecars run Istio's MUTUAL_TLS (what Calico's ALP guide required): a source without a certificate
 * never completes the handshake, so no CheckRequest is sent and the request fails. Both modes agree.
 */
export const PLAINTEXT_REJECTED: Delivery = {
  got: 'deny',
  detail: 'TLS rejected',
  beforeCheck: true,
  transportFailure: 'no client certificate: the destination sidecar requires mTLS, so the connection is refused before any Check',
};

let requestCounter = 0;

/**
 * The CheckRequest Envoy would send for this request at the destination's inbound listener:
 * scenario IPs and ports, SPIFFE principals from the two certificates, HTTP method/path/headers.
 */
export function checkRequestFor(request: ResolvedRequest, target: ResolvedWorkload, sourcePort: number, kind: ListenerKind = 'http'): CheckRequest {
  requestCounter++;
  const check = buildCheckRequest({
    source: { ip: request.sourceIp, port: sourcePort, principal: request.sourcePrincipal },
    destination: { ip: target.ip, port: request.port, principal: target.spiffeId },
    method: request.method,
    path: request.path,
    host: `${target.name}.${target.namespace}:${request.port}`,
    headers: request.headers,
    requestId: `alpsim-${process.pid}-${requestCounter}`,
  });
  // A TCP listener's network filter checks the connection: peers only, no HTTP attributes.
  if (kind === 'tcp') delete check.attributes!.request;
  return check;
}

/**
 * Outcomes decided by the listener before any Check: no ext_authz filter on it (mongo/redis
 * listeners, which the webhook leaves alone), or no inbound listener for the port at all.
 */
export function listenerOutcome(kind: ListenerKind | undefined, port: number, sourcePrincipal: string): Delivery | undefined {
  if (kind === undefined || kind === 'none') {
    return { got: 'deny', detail: 'no listener', beforeCheck: true, transportFailure: `the destination sidecar has no inbound listener for port ${port}: connection refused` };
  }
  if (sourcePrincipal === '') return PLAINTEXT_REJECTED;
  if (kind === 'unchecked') {
    return { got: 'allow', detail: 'not checked', beforeCheck: true, transportFailure: `the inbound listener for port ${port} has no ext_authz filter (the webhook only adds it to http_/tcp_ listeners): traffic is not checked` };
  }
  return undefined;
}

/** Direct mode: the harness plays Envoy and sends the CheckRequest straight to the Dikastes socket. */
export class DirectTransport implements Transport {
  constructor(
    private readonly dikastes: Map<string, DikastesProcess>,
    private readonly authzTimeoutMs: number,
    private readonly listeners: Map<string, Map<number, ListenerKind>>,
  ) {}

  async send(request: ResolvedRequest, check: CheckRequest): Promise<Delivery> {
    const byListener = listenerOutcome(this.listeners.get(request.to)?.get(request.port), request.port, request.sourcePrincipal);
    if (byListener) return byListener;
    const d = this.dikastes.get(request.to)!;
    if (!d.client || d.status === 'stopped') {
      return { got: 'deny', detail: 'ext_authz unavailable', transportFailure: 'Dikastes is stopped: the ext_authz call fails and Envoy denies (failure_mode_allow: false)' };
    }
    const outcome = await d.client.check(check, this.authzTimeoutMs);
    const { allowed, detail } = verdictOfOutcome(outcome);
    if (outcome.kind === 'error') {
      return {
        got: 'deny',
        detail,
        transportFailure: `ext_authz call failed (${detail}${detail === 'timeout' ? `, > ${this.authzTimeoutMs} ms` : ''}): Envoy denies (failure_mode_allow: false)`,
      };
    }
    return { got: allowed ? 'allow' : 'deny', detail };
  }

  async dikastesRestarted(): Promise<void> {}

  async close(): Promise<void> {}
}
