// A felix Rule compiled once (when its policy/profile arrives) into a matcher, and the matcher
// itself. Clause order is the real one (§9 item 19): source (SA, namespace, IP sets, ports, nets),
// destination (same), HTTP (methods, paths), L4 protocol last. That order decides which of
// INVALID_ARGUMENT / "missing IP set" / no-match wins, so it is kept exactly.
import type { HTTPMatch, PortRange, Protocol, Rule, ServiceAccountMatch } from '@alpsim/proto';
import { parseCIDR, cidrContains, type ParsedCIDR } from './ip';
import type { CompiledIpSet, IpSetSlot } from './ipset';
import type { PeerContext, RequestContext } from './request';
import { LabelSlot, SelectorRef, type SelectorDialect } from './selectors';

export type ActionKind = 'allow' | 'deny' | 'pass' | 'log' | 'unknown';

/** Thrown when evaluation reaches something that makes the real Dikastes panic. */
export class CheckCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckCrash';
  }
}

interface SideMatcher {
  /** The rule names an SA match with names or a selector (restricts to the policy namespace). */
  saNames: ReadonlySet<string> | null;
  saSelector: SelectorRef | null;
  hasSaMatch: boolean;
  namespaceSelector: SelectorRef | null;
  /** The policy namespace the peer must be in (namespaced policy + pod/SA selector, no ns selector). */
  restrictToNamespace: string | null;
  ipSets: readonly IpSetSlot[] | null;
  notIpSets: readonly IpSetSlot[] | null;
  /** Flattened [first, last, first, last, ...]. */
  ports: Int32Array | null;
  namedPortSets: readonly IpSetSlot[] | null;
  hasPortClause: boolean;
  /** undefined entries are malformed CIDRs (false at that point, §9 item 26). */
  nets: readonly (ParsedCIDR | undefined)[] | null;
}

type ProtocolMatch = { kind: 'name'; name: string } | { kind: 'number'; number: number } | { kind: 'none' };

export interface CompiledRule {
  readonly index: number;
  readonly action: ActionKind;
  readonly rawAction: string;
  readonly src: SideMatcher;
  readonly dst: SideMatcher;
  readonly methods: ReadonlySet<string> | null;
  readonly paths: readonly PathMatcher[] | null;
  readonly protocol: ProtocolMatch | null;
  readonly notProtocol: ProtocolMatch | null;
}

type PathMatcher = { kind: 'exact' | 'prefix'; value: string } | { kind: 'none' };

interface SideClauseNames {
  readonly saNames: string;
  readonly saSelector: string;
  readonly nsSelector: string;
  readonly policyNamespace: string;
  readonly ipSets: string;
  readonly notIpSets: string;
  readonly ports: string;
  readonly nets: string;
}

/** Names of the clauses, as reported in explain traces. */
export const CLAUSES: {
  readonly src: SideClauseNames;
  readonly dst: SideClauseNames;
  readonly methods: string;
  readonly paths: string;
  readonly protocol: string;
  readonly notProtocol: string;
  readonly noDestination: string;
} = {
  src: {
    saNames: 'srcServiceAccountMatch.names',
    saSelector: 'srcServiceAccountMatch.selector',
    nsSelector: 'originalSrcNamespaceSelector',
    policyNamespace: 'srcNamespace(policy namespace)',
    ipSets: 'srcIpSetIds',
    notIpSets: 'notSrcIpSetIds',
    ports: 'srcPorts',
    nets: 'srcNet',
  },
  dst: {
    saNames: 'dstServiceAccountMatch.names',
    saSelector: 'dstServiceAccountMatch.selector',
    nsSelector: 'originalDstNamespaceSelector',
    policyNamespace: 'dstNamespace(policy namespace)',
    ipSets: 'dstIpSetIds',
    notIpSets: 'notDstIpSetIds',
    ports: 'dstPorts',
    nets: 'dstNet',
  },
  methods: 'httpMatch.methods',
  paths: 'httpMatch.paths',
  protocol: 'protocol',
  notProtocol: 'notProtocol',
  noDestination: 'protocol(no destination peer)',
};

export type SlotResolver = (id: string) => IpSetSlot;

function slots(list: readonly string[] | null | undefined, resolve: SlotResolver): readonly IpSetSlot[] | null {
  return list && list.length > 0 ? list.map(resolve) : null;
}

/** Which member of a oneof is set, for decoded protobufjs messages and plain objects alike. */
function oneofCase(obj: object, oneofName: string, members: readonly string[]): string | undefined {
  const declared = (obj as Record<string, unknown>)[oneofName];
  if (typeof declared === 'string' && members.includes(declared)) return declared;
  for (const m of members) {
    if (Object.prototype.hasOwnProperty.call(obj, m) && (obj as Record<string, unknown>)[m] != null) return m;
  }
  return undefined;
}

function compileProtocol(p: Protocol | null | undefined): ProtocolMatch | null {
  if (p === null || p === undefined) return null;
  const which = oneofCase(p, 'numberOrName', ['number', 'name']);
  if (which === 'name') return { kind: 'name', name: String(p.name ?? '').toLowerCase() };
  if (which === 'number') return { kind: 'number', number: Number(p.number) };
  return { kind: 'none' };
}

function compilePorts(ranges: readonly PortRange[] | null | undefined): Int32Array | null {
  if (!ranges || ranges.length === 0) return null;
  const out = new Int32Array(ranges.length * 2);
  ranges.forEach((r, i) => {
    out[i * 2] = r.first ?? 0;
    out[i * 2 + 1] = r.last ?? 0;
  });
  return out;
}

function compileSide(
  saMatch: ServiceAccountMatch | null | undefined,
  namespaceSelector: string | undefined,
  podSelector: string | undefined,
  notPodSelector: string | undefined,
  ipSets: string[] | undefined,
  notIpSets: string[] | undefined,
  ports: PortRange[] | undefined,
  namedPortSets: string[] | undefined,
  nets: string[] | undefined,
  policyNamespace: string,
  resolve: SlotResolver,
): SideMatcher {
  const names = saMatch && saMatch.names && saMatch.names.length > 0 ? new Set(saMatch.names) : null;
  const saSelectorText = (saMatch && saMatch.selector) || '';
  const hasSaMatch = saMatch !== null && saMatch !== undefined;
  const nsText = namespaceSelector || '';
  const restrictTrigger = !!podSelector || !!notPodSelector || names !== null || saSelectorText !== '';
  const portRanges = compilePorts(ports);
  const named = slots(namedPortSets, resolve);
  return {
    saNames: names,
    saSelector: saSelectorText !== '' ? new SelectorRef(saSelectorText) : null,
    hasSaMatch,
    namespaceSelector: nsText !== '' ? new SelectorRef(nsText) : null,
    restrictToNamespace: nsText === '' && policyNamespace !== '' && restrictTrigger ? policyNamespace : null,
    ipSets: slots(ipSets, resolve),
    notIpSets: slots(notIpSets, resolve),
    ports: portRanges,
    namedPortSets: named,
    hasPortClause: portRanges !== null || named !== null,
    nets: nets && nets.length > 0 ? nets.map((n) => parseCIDR(n)) : null,
  };
}

function compileHttp(http: HTTPMatch | null | undefined): {
  methods: ReadonlySet<string> | null;
  paths: PathMatcher[] | null;
} {
  if (!http) return { methods: null, paths: null };
  const methods = http.methods && http.methods.length > 0 ? new Set(http.methods) : null;
  const paths =
    http.paths && http.paths.length > 0
      ? http.paths.map((p): PathMatcher => {
          const which = oneofCase(p, 'pathMatch', ['exact', 'prefix']);
          if (which === 'exact') return { kind: 'exact', value: p.exact ?? '' };
          if (which === 'prefix') return { kind: 'prefix', value: p.prefix ?? '' };
          return { kind: 'none' };
        })
      : null;
  return { methods, paths };
}

export function actionKind(raw: string): ActionKind {
  switch (raw.toLowerCase()) {
    case 'allow':
      return 'allow';
    case 'deny':
      return 'deny';
    case 'pass':
    case 'next-tier':
      return 'pass';
    case 'log':
      return 'log';
    default:
      return 'unknown';
  }
}

/** Compile one rule. `policyNamespace` is Policy.namespace ("" for global policies and profiles). */
export function compileRule(rule: Rule, index: number, policyNamespace: string, resolve: SlotResolver): CompiledRule {
  const rawAction = rule.action ?? '';
  const src = compileSide(
    rule.srcServiceAccountMatch,
    rule.originalSrcNamespaceSelector,
    rule.originalSrcSelector,
    rule.originalNotSrcSelector,
    rule.srcIpSetIds,
    rule.notSrcIpSetIds,
    rule.srcPorts,
    rule.srcNamedPortIpSetIds,
    rule.srcNet,
    policyNamespace,
    resolve,
  );
  const dst = compileSide(
    rule.dstServiceAccountMatch,
    rule.originalDstNamespaceSelector,
    rule.originalDstSelector,
    rule.originalNotDstSelector,
    rule.dstIpSetIds,
    rule.notDstIpSetIds,
    rule.dstPorts,
    rule.dstNamedPortIpSetIds,
    rule.dstNet,
    policyNamespace,
    resolve,
  );
  const http = compileHttp(rule.httpMatch);
  return {
    index,
    action: actionKind(rawAction),
    rawAction,
    src,
    dst,
    methods: http.methods,
    paths: http.paths,
    protocol: compileProtocol(rule.protocol),
    notProtocol: compileProtocol(rule.notProtocol),
  };
}

/** Everything rule matching needs from the store and the request. */
export interface MatchEnv {
  readonly dialect: SelectorDialect;
  /** v3.12+: an empty principal (no identity) matches every SA and namespace clause. */
  readonly anonymousMatchesIdentity: boolean;
}

export const NO_MATCH = 0;
export const MATCH = 1;
export const INVALID_PATH = 2;
export type MatchResult = typeof NO_MATCH | typeof MATCH | typeof INVALID_PATH;

function ipSet(slot: IpSetSlot): CompiledIpSet {
  const set = slot.set;
  if (set === undefined) throw new CheckCrash(`rule references IP set ${JSON.stringify(slot.id)} which is not in the store`);
  return set;
}

function matchSide(side: SideMatcher, peer: PeerContext, env: MatchEnv, ctx: RequestContext, names: SideClauseNames): boolean {
  const anonymous = peer.identity !== 'spiffe' && env.anonymousMatchesIdentity;
  // Service account: names, then selector on the SA labels merged over the request labels.
  if (side.hasSaMatch && !anonymous) {
    if (side.saNames !== null && !side.saNames.has(peer.serviceAccount)) {
      ctx.failedClause = names.saNames;
      return false;
    }
    if (
      side.saSelector !== null &&
      !side.saSelector
        .get(env.dialect)
        .evaluate(peer.mergedLabels(), peer.side === 0 ? LabelSlot.SourcePeer : LabelSlot.DestinationPeer, ctx.generation)
    ) {
      ctx.failedClause = names.saSelector;
      return false;
    }
  }
  // Namespace: explicit namespace selector, else the policy-namespace restriction.
  if (!anonymous) {
    if (side.namespaceSelector !== null) {
      const slot = peer.side === 0 ? LabelSlot.SourceNamespace : LabelSlot.DestinationNamespace;
      if (!side.namespaceSelector.get(env.dialect).evaluate(peer.namespaceLabels(), slot, ctx.generation)) {
        ctx.failedClause = names.nsSelector;
        return false;
      }
    } else if (side.restrictToNamespace !== null && peer.namespace !== side.restrictToNamespace) {
      ctx.failedClause = names.policyNamespace;
      return false;
    }
  }
  // IP sets.
  if (side.ipSets !== null) {
    const ids = side.ipSets;
    for (let i = 0; i < ids.length; i++) {
      if (!ipSet(ids[i]).containsPeer(peer)) {
        ctx.failedClause = names.ipSets;
        return false;
      }
    }
  }
  if (side.notIpSets !== null) {
    const ids = side.notIpSets;
    for (let i = 0; i < ids.length; i++) {
      if (ipSet(ids[i]).containsPeer(peer)) {
        ctx.failedClause = names.notIpSets;
        return false;
      }
    }
  }
  // Ports: a range containing the port, or the address in a named-port set.
  if (side.hasPortClause) {
    let ok = false;
    const ranges = side.ports;
    if (ranges !== null) {
      const port = peer.port;
      for (let i = 0; i < ranges.length; i += 2) {
        if (port >= ranges[i] && port <= ranges[i + 1]) {
          ok = true;
          break;
        }
      }
    }
    if (!ok && side.namedPortSets !== null) {
      const ids = side.namedPortSets;
      for (let i = 0; i < ids.length; i++) {
        if (ipSet(ids[i]).containsPeer(peer)) {
          ok = true;
          break;
        }
      }
    }
    if (!ok) {
      ctx.failedClause = names.ports;
      return false;
    }
  }
  // Nets: walked in order; a malformed CIDR is false at that point.
  if (side.nets !== null) {
    const ip = peer.ip();
    let ok = false;
    if (ip !== undefined) {
      const nets = side.nets;
      for (let i = 0; i < nets.length; i++) {
        const net = nets[i];
        if (net === undefined) break;
        if (cidrContains(net, ip)) {
          ok = true;
          break;
        }
      }
    }
    if (!ok) {
      ctx.failedClause = names.nets;
      return false;
    }
  }
  return true;
}

function protocolMatches(p: ProtocolMatch, requestProtocol: string): boolean {
  switch (p.kind) {
    case 'name':
      return p.name === requestProtocol;
    case 'number':
      // Only protocol number 6 is known to the real checker (§9 item 25).
      return p.number === 6 && requestProtocol === 'tcp';
    default:
      return false;
  }
}

/** Match one rule against the request; on NO_MATCH `ctx.failedClause` names the failing clause. */
export function matchRule(rule: CompiledRule, ctx: RequestContext, env: MatchEnv): MatchResult {
  if (!matchSide(rule.src, ctx.source, env, ctx, CLAUSES.src)) return NO_MATCH;
  if (!matchSide(rule.dst, ctx.destination, env, ctx, CLAUSES.dst)) return NO_MATCH;
  if (rule.methods !== null && !rule.methods.has('*') && !rule.methods.has(ctx.method)) {
    ctx.failedClause = CLAUSES.methods;
    return NO_MATCH;
  }
  if (rule.paths !== null) {
    if (!ctx.pathValid) {
      ctx.failedClause = CLAUSES.paths;
      return INVALID_PATH;
    }
    const path = ctx.path;
    let ok = false;
    const paths = rule.paths;
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i];
      if (p.kind === 'exact' ? path === p.value : p.kind === 'prefix' ? path.startsWith(p.value) : false) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      ctx.failedClause = CLAUSES.paths;
      return NO_MATCH;
    }
  }
  if (!ctx.hasDestination) {
    ctx.failedClause = CLAUSES.noDestination;
    return NO_MATCH;
  }
  if (rule.protocol !== null && !protocolMatches(rule.protocol, ctx.protocol)) {
    ctx.failedClause = CLAUSES.protocol;
    return NO_MATCH;
  }
  if (rule.notProtocol !== null && protocolMatches(rule.notProtocol, ctx.protocol)) {
    ctx.failedClause = CLAUSES.notProtocol;
    return NO_MATCH;
  }
  ctx.failedClause = '';
  return MATCH;
}
