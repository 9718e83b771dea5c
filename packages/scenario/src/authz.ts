import * as grpc from '@grpc/grpc-js';
import { AuthzClient as ProxyAuthzClient, DIKASTES_CLUSTER, type CheckOutcome as ProxyCheckOutcome } from '@alpsim/proxy';
import type { AuthzApiVersion, CheckRequest } from '@alpsim/proto';
import type { Compat } from './model';

/** Envoy's default ext_authz gRPC timeout; a Dikastes slower than this is a deny. */
export const ENVOY_AUTHZ_TIMEOUT_MS = 200;

export const RPC_CODE_NAMES: Record<number, string> = {
  0: 'OK',
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/** The ext_authz service name Envoy of that era used. */
export function authzApiFor(compat: Compat): AuthzApiVersion {
  return compat === '3.2' ? 'v2alpha' : 'v3';
}

export type CheckOutcome =
  | { kind: 'reply'; code: number }
  | { kind: 'error'; detail: string };

/** What Envoy does with a Check outcome (failure_mode_allow = false, as Istio/Calico configured it). */
export function verdictOfOutcome(outcome: CheckOutcome): { allowed: boolean; detail: string } {
  if (outcome.kind === 'error') return { allowed: false, detail: outcome.detail };
  return { allowed: outcome.code === 0, detail: RPC_CODE_NAMES[outcome.code] ?? `code ${outcome.code}` };
}

/**
 * The ext_authz client on one Dikastes socket (direct mode and probes): the proxy's Envoy client on
 * the Dikastes cluster (so the same :authority), its outcomes reduced to what the harness reports.
 */
export class AuthzClient {
  private readonly client: ProxyAuthzClient;

  constructor(readonly socketPath: string, apiVersion: AuthzApiVersion) {
    this.client = new ProxyAuthzClient(DIKASTES_CLUSTER, socketPath, apiVersion);
  }

  async check(request: CheckRequest, timeoutMs = ENVOY_AUTHZ_TIMEOUT_MS): Promise<CheckOutcome> {
    return harnessOutcome(await this.client.check(request, timeoutMs).promise);
  }

  close(): void {
    this.client.close();
  }
}

function harnessOutcome(outcome: ProxyCheckOutcome): CheckOutcome {
  switch (outcome.kind) {
    case 'ok':
      return { kind: 'reply', code: 0 };
    case 'denied':
      return { kind: 'reply', code: outcome.code };
    case 'error': {
      const { grpcCode } = outcome;
      return { kind: 'error', detail: grpcCode === grpc.status.DEADLINE_EXCEEDED ? 'timeout' : `ext_authz ${grpc.status[grpcCode] ?? grpcCode}` };
    }
  }
}

export interface CheckAttributes {
  source: { ip: string; port: number; principal: string };
  destination: { ip: string; port: number; principal: string };
  method: string;
  path: string;
  host: string;
  headers: Record<string, string>;
  requestId: string;
}

/**
 * The CheckRequest an Envoy inbound HTTP listener sends: peers with socket addresses and principals
 * (first URI SAN of the peer / own certificate), and the HTTP attributes with lower-case headers
 * including the pseudo-headers.
 */
export function buildCheckRequest(a: CheckAttributes): CheckRequest {
  const headers: Record<string, string> = {
    ':authority': a.host,
    ':method': a.method,
    ':path': a.path,
    'x-forwarded-proto': 'http',
    'x-request-id': a.requestId,
    ...a.headers,
  };
  return {
    attributes: {
      source: { address: { socketAddress: { address: a.source.ip, portValue: a.source.port } }, principal: a.source.principal },
      destination: {
        address: { socketAddress: { address: a.destination.ip, portValue: a.destination.port } },
        principal: a.destination.principal,
      },
      request: {
        http: {
          id: a.requestId,
          method: a.method,
          headers,
          path: a.path,
          host: a.host,
          scheme: 'http',
          protocol: 'HTTP/1.1',
        },
      },
    },
  };
}

/**
 * A Check that any Dikastes answers without touching policy: the malformed principal is rejected
 * before the store is read (spec-dikastes §10). UNAVAILABLE = not in sync yet; anything else = synced.
 */
export const SYNC_PROBE: CheckRequest = {
  attributes: {
    source: { address: { socketAddress: { address: '127.0.0.1', portValue: 1 } }, principal: 'alpsim-sync-probe' },
    destination: { address: { socketAddress: { address: '127.0.0.1', portValue: 1 } }, principal: 'alpsim-sync-probe' },
  },
};
