// Per-Check state, built once per request: parsed identities, addresses, the HTTP method/path and
// lazily computed label sets. Every memo in the engine is keyed by this request's generation.
import type { CheckRequest, Peer } from '@alpsim/proto';
import { parseIP, maskV6, type ParsedIP } from './ip';

const SPIFFE_PRINCIPAL = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/;

let generationCounter = 0;

type Labels = Readonly<Record<string, string>>;
const NO_LABELS: Labels = Object.freeze({});

/** What the store offers for label lookups. */
export interface LabelSource {
  serviceAccountLabels(namespace: string, name: string): Labels | undefined;
  namespaceLabels(name: string): Labels | undefined;
}

export type IdentityKind = 'spiffe' | 'empty' | 'invalid';

/** Envoy's SocketAddress.Protocol as the Go enum's lower-cased String(). */
function socketProtocolName(raw: unknown): string {
  if (raw === undefined || raw === null || raw === 0 || raw === 'TCP') return 'tcp';
  if (raw === 1 || raw === 'UDP') return 'udp';
  return String(raw).toLowerCase();
}

export class PeerContext {
  readonly present: boolean;
  readonly principal: string;
  readonly identity: IdentityKind;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly requestLabels: Labels;
  readonly address: string;
  readonly hasSocketAddress: boolean;
  /** Port for range matching: Go's int32(port_value), so 2^31.. wrap to negative (§3.6.4). */
  readonly port: number;
  /** port_value as sent (uint32); used in IP_AND_PORT keys. */
  readonly portValue: number;
  readonly socketProtocol: string;
  /** The NET prefix index that already marked this peer's sets (see NetIndex.mark). */
  netIndex: object | null = null;
  private parsedIp: ParsedIP | undefined;
  private ipParsed = false;
  private ipPortKey: string | undefined;
  private v6Keys: Map<number, string> | undefined;
  private merged: Labels | undefined;
  private nsLabels: Labels | undefined;

  constructor(
    readonly side: 0 | 1,
    peer: Peer | null | undefined,
    readonly generation: number,
    private readonly labels: LabelSource,
  ) {
    this.present = peer !== null && peer !== undefined;
    this.principal = (peer && peer.principal) || '';
    const match = SPIFFE_PRINCIPAL.exec(this.principal);
    if (match) {
      this.identity = 'spiffe';
      this.namespace = match[1];
      this.serviceAccount = match[2];
    } else {
      this.identity = this.principal === '' ? 'empty' : 'invalid';
      this.namespace = '';
      this.serviceAccount = '';
    }
    this.requestLabels = (peer && peer.labels) || NO_LABELS;
    const socket = peer && peer.address ? peer.address.socketAddress : null;
    this.hasSocketAddress = socket !== null && socket !== undefined;
    this.address = (socket && socket.address) || '';
    // A named port (or no socket address) gives port 0 (§9 item 26).
    this.portValue = socket && typeof socket.portValue === 'number' ? socket.portValue : 0;
    this.port = this.portValue | 0;
    this.socketProtocol = socketProtocolName(socket ? socket.protocol : undefined);
  }

  ip(): ParsedIP | undefined {
    if (!this.ipParsed) {
      this.parsedIp = parseIP(this.address);
      this.ipParsed = true;
    }
    return this.parsedIp;
  }

  /** IP_AND_PORT member key for this peer: "<address>,<tcp|udp>:<port>". */
  ipAndPortKey(): string {
    return (this.ipPortKey ??= `${this.address},${this.socketProtocol}:${this.portValue}`);
  }

  /** Masked IPv6 key in the format of CompiledIpSet's index. */
  v6Key(len: number): string {
    let keys = this.v6Keys;
    if (!keys) keys = this.v6Keys = new Map();
    let key = keys.get(len);
    if (key === undefined) {
      const ip = this.ip();
      if (!ip || ip.v4) return '';
      const w = maskV6(ip.w, len);
      key = `${len}:${w[0]}:${w[1]}:${w[2]}:${w[3]}`;
      keys.set(len, key);
    }
    return key;
  }

  /** Request labels with the store's ServiceAccount labels written over them (§9 item 13). */
  mergedLabels(): Labels {
    if (this.merged === undefined) {
      const sa = this.labels.serviceAccountLabels(this.namespace, this.serviceAccount);
      if (!sa) this.merged = this.requestLabels;
      else if (this.requestLabels === NO_LABELS || Object.keys(this.requestLabels).length === 0) this.merged = sa;
      else this.merged = { ...this.requestLabels, ...sa };
    }
    return this.merged;
  }

  /** The labels of the peer's namespace in the store; none if the store does not know it (§9 item 14). */
  namespaceLabels(): Labels {
    return (this.nsLabels ??= this.labels.namespaceLabels(this.namespace) ?? NO_LABELS);
  }
}

export class RequestContext {
  readonly generation: number;
  readonly source: PeerContext;
  readonly destination: PeerContext;
  readonly hasDestination: boolean;
  /** L4 protocol of the request: the destination socket protocol, tcp when absent. */
  readonly protocol: string;
  readonly method: string;
  /** The path cut at the first `?` and `#`. */
  readonly path: string;
  readonly rawPath: string;
  readonly pathValid: boolean;
  /** Name of the clause that failed in the last rule evaluated (for explain traces). */
  failedClause = '';

  constructor(request: CheckRequest | null | undefined, labels: LabelSource) {
    // Never wraps (2^53 checks): every per-request memo and stamp compares against it.
    const generation = (this.generation = ++generationCounter);
    const attributes = request ? request.attributes : undefined;
    const source = attributes ? attributes.source : undefined;
    const destination = attributes ? attributes.destination : undefined;
    this.source = new PeerContext(0, source, generation, labels);
    this.destination = new PeerContext(1, destination, generation, labels);
    this.hasDestination = this.destination.present;
    this.protocol = this.destination.socketProtocol;
    const http = attributes && attributes.request ? attributes.request.http : undefined;
    this.method = (http && http.method) || '';
    const rawPath = (http && http.path) || '';
    this.rawPath = rawPath;
    this.pathValid = rawPath.charCodeAt(0) === 47; // '/'
    let cut = rawPath.length;
    const q = rawPath.indexOf('?');
    if (q >= 0) cut = q;
    const h = rawPath.indexOf('#');
    if (h >= 0 && h < cut) cut = h;
    this.path = cut === rawPath.length ? rawPath : rawPath.slice(0, cut);
  }
}
