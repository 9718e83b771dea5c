// Build the ext_authz CheckRequest exactly as Envoy fills AttributeContext (spec §2.1, §2.2).
import type { CheckRequest, Peer } from '@alpsim/proto';

/** What a listener knows about one downstream connection, already mapped to scenario addresses. */
export interface ConnectionInfo {
  listener: string;
  /** the peer, as the scenario sees it (loopback mapped back to the peer's scenario IP) */
  source: { ip: string; port: number };
  /** the listener's scenario address (the pod IP and port named by the listener) */
  destination: { ip: string; port: number };
  /** first URI SAN (else RFC 2253 subject) of the peer certificate; '' without TLS */
  sourcePrincipal: string;
  /** same, from this sidecar's own certificate; '' without TLS */
  destinationPrincipal: string;
  tls: boolean;
}

export interface HttpAttributes {
  id: string;
  method: string;
  path: string;
  host: string;
  scheme: string;
  /** lower-case keys, pseudo-headers included */
  headers: Record<string, string>;
  protocol: string;
  /** x-envoy-downstream-service-cluster, when the client sent it */
  sourceService?: string;
  /** buffered request body sent with the check (modern `with_request_body`) */
  body?: Buffer;
}

function peer(address: { ip: string; port: number }, principal: string, service?: string): Peer {
  const p: Peer = { address: { socketAddress: { address: address.ip, portValue: address.port } }, principal };
  if (service) p.service = service;
  return p;
}

/** Network-filter check: only source and destination (Envoy's createTcpCheck). */
export function tcpCheckRequest(conn: ConnectionInfo): CheckRequest {
  return {
    attributes: {
      source: peer(conn.source, conn.sourcePrincipal),
      destination: peer(conn.destination, conn.destinationPrincipal),
    },
  };
}

export function httpCheckRequest(conn: ConnectionInfo, http: HttpAttributes, withTime: boolean): CheckRequest {
  const nowMs = Date.now();
  return {
    attributes: {
      source: peer(conn.source, conn.sourcePrincipal, http.sourceService),
      destination: peer(conn.destination, conn.destinationPrincipal),
      request: {
        // 2018 Envoy left request.time unset; 2020+ Envoy stamps the stream start.
        time: withTime ? { seconds: Math.floor(nowMs / 1000), nanos: (nowMs % 1000) * 1e6 } : undefined,
        http: {
          id: http.id,
          method: http.method,
          headers: http.headers,
          path: http.path,
          host: http.host,
          scheme: http.scheme,
          // bytes received on the stream before the check: none unless the body was buffered for it
          size: http.body ? http.body.length : 0,
          protocol: http.protocol,
          ...(http.body ? { body: http.body.toString('utf8') } : {}),
        },
      },
    },
  };
}
