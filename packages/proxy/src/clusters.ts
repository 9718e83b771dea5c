// The cluster table: what the bootstrap/CDS would say about each cluster name the listeners use.
// `calico.dikastes` is a pipe (Unix socket); inbound clusters `in.<port>` are the local app.
import { unixSocketPath } from '@alpsim/proto';

export const DIKASTES_CLUSTER = 'calico.dikastes';
/** Calico's forked Istio bootstrap: STATIC cluster, pipe /var/run/dikastes/dikastes.sock. */
export const DEFAULT_DIKASTES_SOCKET = '/var/run/dikastes/dikastes.sock';

export type ClusterEndpoint = { kind: 'pipe'; path: string } | { kind: 'tcp'; host: string; port: number };

function configError(message: string): Error {
  return Object.assign(new Error(message), { userError: true });
}

/** Parse one cluster map value: `unix:///p`, `/abs/path`, `tcp://h:p`, `http://h:p`, `h:p`. */
export function parseClusterEndpoint(name: string, value: string): ClusterEndpoint {
  const url = /^(?:tcp|http):\/\/([^/]+?):(\d+)\/?$/.exec(value) ?? /^([^/:]+|\[[^\]]+\]):(\d+)$/.exec(value);
  if (url) return { kind: 'tcp', host: url[1].replace(/^\[|\]$/g, ''), port: Number(url[2]) };
  if (value.startsWith('unix:') || value.startsWith('/')) return { kind: 'pipe', path: unixSocketPath(value) };
  throw configError(`clusters.${name}: expected "unix:///path", "/path", "tcp://host:port" or "host:port", got ${JSON.stringify(value)}`);
}

export class ClusterTable {
  private readonly entries = new Map<string, ClusterEndpoint>();

  constructor(clusters: Record<string, string> | undefined) {
    this.entries.set(DIKASTES_CLUSTER, { kind: 'pipe', path: DEFAULT_DIKASTES_SOCKET });
    for (const [name, value] of Object.entries(clusters ?? {})) this.entries.set(name, parseClusterEndpoint(name, value));
  }

  /** Istio's inbound clusters `in.<port>` point at the app on 127.0.0.1:<port> unless mapped. */
  resolve(name: string): ClusterEndpoint | undefined {
    const known = this.entries.get(name);
    if (known) return known;
    const inbound = /^in\.(\d+)$/.exec(name);
    return inbound ? { kind: 'tcp', host: '127.0.0.1', port: Number(inbound[1]) } : undefined;
  }
}

export function describeEndpoint(e: ClusterEndpoint): string {
  return e.kind === 'pipe' ? `unix://${e.path}` : `${e.host}:${e.port}`;
}
