// Independent fidelity table: every expected code below is derived from the spec text
// (shared/spec-dikastes.md §3.3-3.6, §5, §9 items 1-28), not from running this engine. Each case is
// checked per compat level, with and without explain (the explain walk is the exact clause-ordered
// one; without explain the rule index and pre-filter may be used), and again over real gRPC.
import t from 'tap';
import type { CheckRequest, Peer, Rule, ToDataplane } from '@alpsim/proto';
import { PolicyStore, evaluateCheck, formatTrace, type Compat } from '../src/index';
import { Writer } from 'protobufjs';
import { decodeCheckRequest } from '../src/decode';
import { startHarness } from './helpers/harness';

// ---------------------------------------------------------------------------------------------
// Builders (own, minimal: what Felix sends per spec-felix-policysync §1-2)

type Want = Partial<Record<Compat, number>>;
const COMPATS: Compat[] = ['3.2', '3.28', '3.29'];
const all = (code: number): Want => ({ '3.2': code, '3.28': code, '3.29': code });
/** 2018 line (3.2) differs from 2021+ (3.28 and 3.29). */
const era = (v32: number, later: number): Want => ({ '3.2': v32, '3.28': later, '3.29': later });

const spiffe = (ns: string, sa: string, td = 'cluster.local') => `spiffe://${td}/ns/${ns}/sa/${sa}`;

function pol(name: string, inboundRules: Rule[], opts: { tier?: string; namespace?: string; outboundRules?: Rule[] } = {}): ToDataplane {
  return {
    activePolicyUpdate: {
      id: { tier: opts.tier ?? 'default', name },
      policy: { inboundRules, outboundRules: opts.outboundRules ?? [], namespace: opts.namespace ?? '' },
    },
  };
}
function prof(name: string, inboundRules: Rule[]): ToDataplane {
  return { activeProfileUpdate: { id: { name }, profile: { inboundRules } } };
}
interface Tier {
  name?: string;
  ingress?: string[];
  egress?: string[];
  defaultAction?: string;
}
function ep(tiers: Tier[], profileIds: string[] = [], workloadId = 'default/pod'): ToDataplane {
  return {
    workloadEndpointUpdate: {
      id: { orchestratorId: 'k8s', workloadId, endpointId: 'eth0' },
      endpoint: {
        profileIds,
        tiers: tiers.map((x) => ({ name: x.name ?? 'default', ingressPolicies: x.ingress ?? [], egressPolicies: x.egress ?? [], defaultAction: x.defaultAction ?? '' })),
      },
    },
  };
}
function ipset(id: string, type: 'IP' | 'IP_AND_PORT' | 'NET', members: string[]): ToDataplane {
  return { ipsetUpdate: { id, type, members } };
}
const sa = (namespace: string, name: string, labels: Record<string, string>): ToDataplane => ({ serviceAccountUpdate: { id: { namespace, name }, labels } });
const ns = (name: string, labels: Record<string, string>): ToDataplane => ({ namespaceUpdate: { id: { name }, labels } });

interface PeerOpt {
  principal?: string;
  address?: string;
  port?: number;
  protocol?: number;
  labels?: Record<string, string>;
  /** No socket address at all. */
  noSocket?: boolean;
  pipe?: boolean;
  namedPort?: string;
}
function peer(o: PeerOpt, defaults: { principal: string; address: string; port: number }): Peer {
  const p: Peer = { principal: o.principal ?? defaults.principal };
  if (o.labels) p.labels = o.labels;
  if (o.pipe) p.address = { pipe: { path: '/tmp/x.sock' } };
  else if (!o.noSocket) {
    const s: NonNullable<NonNullable<Peer['address']>['socketAddress']> = { address: o.address ?? defaults.address };
    if (o.namedPort !== undefined) s.namedPort = o.namedPort;
    else s.portValue = o.port ?? defaults.port;
    if (o.protocol !== undefined) s.protocol = o.protocol;
    p.address = { socketAddress: s };
  }
  return p;
}
interface ReqOpt {
  src?: PeerOpt | null;
  dst?: PeerOpt | null;
  method?: string;
  path?: string;
  /** No request.http at all (a TCP-level check). */
  noHttp?: boolean;
  headers?: Record<string, string>;
}
const SRC = { principal: spiffe('default', 'client'), address: '10.0.0.1', port: 40000 };
const DST = { principal: spiffe('default', 'server'), address: '10.0.0.2', port: 8080 };
function req(o: ReqOpt = {}): CheckRequest {
  const attributes: NonNullable<CheckRequest['attributes']> = {};
  if (o.src !== null) attributes.source = peer(o.src ?? {}, SRC);
  if (o.dst !== null) attributes.destination = peer(o.dst ?? {}, DST);
  if (!o.noHttp) attributes.request = { http: { method: o.method ?? 'GET', path: o.path ?? '/path', headers: o.headers ?? {}, host: 'server' } };
  return { attributes };
}

interface Case {
  name: string;
  store: ToDataplane[];
  req?: ReqOpt;
  want: Want;
}

/** One policy `p` in tier default holding these rules, selected by the endpoint; no profiles. */
function one(rules: Rule[], extra: ToDataplane[] = [], opts: { namespace?: string } = {}): ToDataplane[] {
  return [...extra, pol('p', rules, opts), ep([{ ingress: ['p'] }])];
}
const ALLOW: Rule = { action: 'allow' };

const cases: Case[] = [];
const add = (name: string, store: ToDataplane[], want: Want, r?: ReqOpt) => cases.push({ name, store, want, req: r });

// ---- §9.1-2 store basics ---------------------------------------------------------------------
add('in sync, no endpoint => 7', [pol('p', [ALLOW])], all(7));
add('allow-all baseline', one([ALLOW]), all(0));
add('last endpoint update wins whatever its id', [pol('p', [ALLOW]), ep([{ ingress: ['p'] }], [], 'a/a'), ep([], [], 'b/b')], all(7));
add('endpoint remove => 7', [...one([ALLOW]), { workloadEndpointRemove: { id: { workloadId: 'other/x' } } }], all(7));
add('endpoint update with null endpoint => 7', [pol('p', [ALLOW]), ep([{ ingress: ['p'] }]), { workloadEndpointUpdate: { id: { workloadId: 'x' }, endpoint: null } }], all(7));

// ---- §3.3, §9.21-22 identity -----------------------------------------------------------------
add('any trust domain', one([ALLOW]), all(0), { src: { principal: spiffe('default', 'client', 'example.org') } });
add('scheme is case-sensitive', one([ALLOW]), all(7), { src: { principal: 'SPIFFE://cluster.local/ns/default/sa/client' } });
add('extra path segment after sa', one([ALLOW]), all(7), { src: { principal: 'spiffe://td/ns/a/sa/b/c' } });
add('trailing slash', one([ALLOW]), all(7), { src: { principal: 'spiffe://td/ns/a/sa/b/' } });
add('segment before ns', one([ALLOW]), all(7), { src: { principal: 'spiffe://td/x/ns/a/sa/b' } });
add('empty trust domain', one([ALLOW]), all(7), { src: { principal: 'spiffe:///ns/a/sa/b' } });
add('empty namespace group', one([ALLOW]), all(7), { src: { principal: 'spiffe://td/ns//sa/b' } });
add('malformed destination principal', one([ALLOW]), all(7), { dst: { principal: 'spiffe://td/ns/a' } });
add('plain non-spiffe principal', one([ALLOW]), all(7), { src: { principal: 'cluster.local/ns/a/sa/b' } });
add('empty source principal', one([ALLOW]), era(7, 0), { src: { principal: '' } });
add('empty destination principal', one([ALLOW]), era(7, 0), { dst: { principal: '' } });
add('missing source peer (v3)', one([ALLOW]), era(7, 0), { src: null });
add('missing destination peer: even allow-all denies', one([ALLOW]), all(7), { dst: null });
add('empty principal matches any SA names', one([{ action: 'allow', srcServiceAccountMatch: { names: ['nobody'] } }]), era(7, 0), { src: { principal: '' } });
add('empty principal matches unparseable SA selector', one([{ action: 'allow', srcServiceAccountMatch: { selector: 'not.a.real.selector' } }]), era(7, 0), { src: { principal: '' } });
add('empty principal matches any namespace selector', one([{ action: 'allow', originalSrcNamespaceSelector: "x == 'y'" }]), era(7, 0), { src: { principal: '' } });
add('empty principal lifts the policy-namespace restriction', one([{ action: 'allow', originalSrcSelector: "app == 'x'" }], [], { namespace: 'other' }), era(7, 0), { src: { principal: '' } });
add('empty principal still needs IP sets', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['192.168.0.0/16'])]), all(7), { src: { principal: '' } });
add('empty principal, IP set matches', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/16'])]), era(7, 0), { src: { principal: '' } });
add('empty dst principal matches dst SA names', one([{ action: 'allow', dstServiceAccountMatch: { names: ['nobody'] } }]), era(7, 0), { dst: { principal: '' } });

// ---- §3.6.1-2, §9.12-13 service accounts and namespace restriction -----------------------------
add('SA names match', one([{ action: 'allow', srcServiceAccountMatch: { names: ['x', 'client'] } }]), all(0));
add('SA names mismatch', one([{ action: 'allow', srcServiceAccountMatch: { names: ['x'] } }]), all(7));
add('SA names are the SA, not the namespace', one([{ action: 'allow', srcServiceAccountMatch: { names: ['default'] } }]), all(7));
add('empty SA match {} matches', one([{ action: 'allow', srcServiceAccountMatch: {} }]), all(0));
add('SA selector on request labels (SA unknown to store)', one([{ action: 'allow', srcServiceAccountMatch: { selector: "app == 'web'" } }]), all(0), { src: { labels: { app: 'web' } } });
add('SA selector: store labels win over request labels', one([{ action: 'allow', srcServiceAccountMatch: { selector: "app == 'web'" } }], [sa('default', 'client', { app: 'db' })]), all(7), { src: { labels: { app: 'web' } } });
add('SA selector: store label value used', one([{ action: 'allow', srcServiceAccountMatch: { selector: "app == 'db'" } }], [sa('default', 'client', { app: 'db' })]), all(0), { src: { labels: { app: 'web' } } });
add('SA selector: request labels fill the gaps', one([{ action: 'allow', srcServiceAccountMatch: { selector: "app == 'web' && tier == 'x'" } }], [sa('default', 'client', { tier: 'x' })]), all(0), { src: { labels: { app: 'web' } } });
add('SA selector: SA of another namespace not merged', one([{ action: 'allow', srcServiceAccountMatch: { selector: "tier == 'x'" } }], [sa('other', 'client', { tier: 'x' })]), all(7), { src: { labels: { app: 'web' } } });
add('SA selector on store labels, no request labels', one([{ action: 'allow', srcServiceAccountMatch: { selector: "tier == 'x'" } }], [sa('default', 'client', { tier: 'x' })]), all(0));
add('SA selector removed SA => request labels only', one([{ action: 'allow', srcServiceAccountMatch: { selector: "tier == 'x'" } }], [sa('default', 'client', { tier: 'x' }), { serviceAccountRemove: { id: { namespace: 'default', name: 'client' } } }]), all(7));
add('SA names and selector both required', one([{ action: 'allow', srcServiceAccountMatch: { names: ['client'], selector: "app == 'x'" } }]), all(7));
add('unparseable SA selector never matches', one([{ action: 'allow', srcServiceAccountMatch: { selector: 'not.a.real.selector' } }]), all(7), { src: { labels: { not: 'x' } } });
add('dst SA selector on dst labels', one([{ action: 'allow', dstServiceAccountMatch: { selector: "role == 'srv'" } }]), all(0), { dst: { labels: { role: 'srv' } } });
add('namespaced policy + SA names restricts to policy namespace', one([{ action: 'allow', srcServiceAccountMatch: { names: ['client'] } }], [], { namespace: 'other' }), all(7));
add('namespaced policy + SA names, same namespace', one([{ action: 'allow', srcServiceAccountMatch: { names: ['client'] } }], [], { namespace: 'default' }), all(0));
add('namespaced policy + SA selector restricts', one([{ action: 'allow', srcServiceAccountMatch: { selector: 'all()' } }], [], { namespace: 'other' }), all(7));
add('namespaced policy + empty SA match {} does not restrict', one([{ action: 'allow', srcServiceAccountMatch: {} }], [], { namespace: 'other' }), all(0));
add('namespaced policy + SA names + namespace selector lifts restriction', one([{ action: 'allow', srcServiceAccountMatch: { names: ['client'] }, originalSrcNamespaceSelector: 'all()' }], [], { namespace: 'other' }), all(0));
add('namespaced policy + pod selector restricts (text never evaluated)', one([{ action: 'allow', originalSrcSelector: "app == 'nomatch'" }], [], { namespace: 'other' }), all(7));
add('namespaced policy + pod selector in same namespace: text not evaluated', one([{ action: 'allow', originalSrcSelector: "app == 'nomatch'" }], [], { namespace: 'default' }), all(0));
add('namespaced policy + garbage pod selector in same namespace', one([{ action: 'allow', originalSrcSelector: '(((' }], [], { namespace: 'default' }), all(0));
add('namespaced policy + not-pod selector restricts', one([{ action: 'allow', originalNotSrcSelector: "app == 'x'" }], [], { namespace: 'other' }), all(7));
add('namespaced policy without selectors: no restriction', one([ALLOW], [], { namespace: 'other' }), all(0));
add('global policy + pod selector: no effect', one([{ action: 'allow', originalSrcSelector: "app == 'nomatch'" }]), all(0));
add('namespaced policy + dst pod selector restricts destination', one([{ action: 'allow', originalDstSelector: 'all()' }], [], { namespace: 'other' }), all(7));
add('namespaced policy + dst pod selector, dst in namespace', one([{ action: 'allow', originalDstSelector: 'all()' }], [], { namespace: 'default' }), all(0));
add('namespaced policy: namespace selector must match even in policy namespace', one([{ action: 'allow', originalSrcSelector: 'all()', originalSrcNamespaceSelector: "env == 'prod'" }], [ns('default', { env: 'dev' })], { namespace: 'default' }), all(7));
add('profile rules: no namespace restriction', [prof('pr', [{ action: 'allow', srcServiceAccountMatch: { names: ['client'] }, originalSrcSelector: 'all()' }]), ep([], ['pr'])], all(0));

// ---- §9.14-16 namespace labels and selectors ---------------------------------------------------
for (const [sel, code] of [
  ['all()', 0],
  ['!has(x)', 0],
  ['has(x)', 7],
  ["x == 'y'", 7],
  ["x != 'y'", 0],
  ["x not in {'y'}", 0],
  ["x in {'y'}", 7],
] as const) {
  add(`namespace missing from store: ${sel}`, one([{ action: 'allow', originalSrcNamespaceSelector: sel }]), all(code));
}
add('namespace labels from store', one([{ action: 'allow', originalSrcNamespaceSelector: "env == 'prod'" }], [ns('default', { env: 'prod' })]), all(0));
add('namespace removed => no labels', one([{ action: 'allow', originalSrcNamespaceSelector: "env == 'prod'" }], [ns('default', { env: 'prod' }), { namespaceRemove: { id: { name: 'default' } } }]), all(7));
add('dst namespace selector', one([{ action: 'allow', originalDstNamespaceSelector: "role == 'srv'" }], [ns('default', { role: 'srv' })]), all(0));
add('request peer labels are not namespace labels', one([{ action: 'allow', originalSrcNamespaceSelector: "env == 'prod'" }]), all(7), { src: { labels: { env: 'prod' } } });
const saSel = (selector: string, want: Want, labels: Record<string, string> = { app: 'web', env: 'prod' }) =>
  add(`SA selector ${JSON.stringify(selector)}`, one([{ action: 'allow', srcServiceAccountMatch: { selector } }]), want, { src: { labels } });
saSel("app contains 'e'", era(7, 0));
saSel("app starts with 'w'", era(7, 0));
saSel("app ends with 'b'", era(7, 0));
saSel("app startswith 'w'", era(7, 0));
saSel("envnotin{'dev'}", all(7));
saSel("env not in {'dev'}", all(0));
saSel("app in {'web',}", all(0));
saSel('app in {}', all(7));
saSel('!!has(app)', all(0));
saSel('!!has(nope)', all(7));
saSel('app == "web"', all(0));
saSel("app == 'web' || nope == 'x'", all(0));
saSel("(app == 'web') && !(env == 'dev')", all(0));
saSel('', all(0));
saSel('not.a.real.selector', all(7));
saSel("app == 'web", all(7));

// ---- §3.6.3, §3.6.8, §9.27-28 IP sets ----------------------------------------------------------
const srcSet = (name: string, type: 'IP' | 'IP_AND_PORT' | 'NET', members: string[], want: Want, r?: ReqOpt, rule: Partial<Rule> = {}) =>
  add(`src IP set ${type} ${name}`, one([{ action: 'allow', srcIpSetIds: ['s'], ...rule }], [ipset('s', type, members)]), want, r);
srcSet('IPv4 literal', 'IP', ['10.0.0.1'], all(0));
srcSet('IPv6 literal exact string', 'IP', ['fd00::1'], all(0), { src: { address: 'fd00::1' } });
srcSet('IPv6 upper case differs', 'IP', ['fd00::1'], all(7), { src: { address: 'FD00::1' } });
srcSet('IPv6 long form differs', 'IP', ['fd00::1'], all(7), { src: { address: 'fd00:0:0:0:0:0:0:1' } });
srcSet('NET /24', 'NET', ['10.0.0.0/24'], all(0));
srcSet('NET /8', 'NET', ['10.0.0.0/8'], all(0));
srcSet('NET /0', 'NET', ['0.0.0.0/0'], all(0));
srcSet('NET /32 host', 'NET', ['10.0.0.1/32'], all(0));
srcSet('NET /25 trie bug', 'NET', ['10.0.0.0/25'], all(7));
srcSet('NET /31 trie bug', 'NET', ['10.0.0.0/31'], all(7));
srcSet('NET /30 trie bug + /16 works', 'NET', ['10.0.0.0/30', '10.0.0.0/16'], all(0));
srcSet('NET IPv6 /120', 'NET', ['fd00::/120'], all(0), { src: { address: 'fd00::1' } });
srcSet('NET IPv6 /121 trie bug', 'NET', ['fd00::/121'], all(7), { src: { address: 'fd00::1' } });
srcSet('NET IPv6 /127 trie bug', 'NET', ['fd00::/127'], all(7), { src: { address: 'fd00::1' } });
srcSet('NET IPv6 /128 host', 'NET', ['fd00::1/128'], all(0), { src: { address: 'fd00::1' } });
srcSet('NET IPv6 /128 host, upper-case request', 'NET', ['fd00::1/128'], all(0), { src: { address: 'FD00::1' } });
srcSet('NET IPv6 member vs IPv4 source', 'NET', ['::/0'], all(7));
srcSet('NET no socket address', 'NET', ['0.0.0.0/0'], all(7), { src: { noSocket: true } });
srcSet('NET pipe', 'NET', ['0.0.0.0/0'], all(7), { src: { pipe: true } });
srcSet('empty set', 'NET', [], all(7));
srcSet('IP_AND_PORT src own protocol', 'IP_AND_PORT', ['10.0.0.1,tcp:40000'], all(0));
srcSet('IP_AND_PORT src udp', 'IP_AND_PORT', ['10.0.0.1,udp:40000'], all(0), { src: { protocol: 1 } });
srcSet('IP_AND_PORT src protocol mismatch', 'IP_AND_PORT', ['10.0.0.1,tcp:40000'], all(7), { src: { protocol: 1 } });
srcSet('IP_AND_PORT upper-case member', 'IP_AND_PORT', ['10.0.0.1,TCP:40000'], all(7));
srcSet('IP_AND_PORT uses src protocol, not dst', 'IP_AND_PORT', ['10.0.0.1,tcp:40000'], all(0), { dst: { protocol: 1 } });
add('notSrcIpSetIds excludes member', one([{ action: 'allow', notSrcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/24'])]), all(7));
add('notSrcIpSetIds with /25 member fails open', one([{ action: 'allow', notSrcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/25'])]), all(0));
add('all src IP sets must contain', one([{ action: 'allow', srcIpSetIds: ['a', 'b'] }], [ipset('a', 'NET', ['10.0.0.0/8']), ipset('b', 'NET', ['11.0.0.0/8'])]), all(7));
add('dst IP set', one([{ action: 'allow', dstIpSetIds: ['d'] }], [ipset('d', 'NET', ['10.0.0.2/32'])]), all(0));
add('notDstIpSetIds', one([{ action: 'allow', notDstIpSetIds: ['d'] }], [ipset('d', 'IP', ['10.0.0.2'])]), all(7));
add('IP set removed: rule reaching it => crash (13)', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/8']), { ipsetRemove: { id: 's' } }]), all(13));
add('missing IP set not reached: earlier SA clause fails', one([{ action: 'allow', srcServiceAccountMatch: { names: ['x'] }, srcIpSetIds: ['missing'] }]), all(7));
add('missing IP set not reached: earlier rule allows', one([ALLOW, { action: 'allow', srcIpSetIds: ['missing'] }]), all(0));
add('missing IP set reached before a later path check', one([{ action: 'allow', srcIpSetIds: ['missing'], httpMatch: { paths: [{ exact: '/x' }] } }]), all(13), { path: 'bad' });
add('missing 2nd IP set not reached when 1st fails', one([{ action: 'allow', srcIpSetIds: ['a', 'missing'] }], [ipset('a', 'NET', ['11.0.0.0/8'])]), all(7));
add('delta: add then remove the same member', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['11.0.0.0/8']), { ipsetDeltaUpdate: { id: 's', addedMembers: ['10.0.0.0/8'], removedMembers: ['10.0.0.0/8'] } }]), all(7));
add('delta: remove a /16 leaves a /24 inside it', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/16', '10.0.0.0/24']), { ipsetDeltaUpdate: { id: 's', removedMembers: ['10.0.0.0/16'] } }]), all(0));
add('delta: add', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', []), { ipsetDeltaUpdate: { id: 's', addedMembers: ['10.0.0.1/32'] } }]), all(0));
add('ipset update replaces members', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/8']), ipset('s', 'NET', ['11.0.0.0/8'])]), all(7));
add('NET member without /len skipped, rest applied', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.1', '10.0.0.0/8'])]), all(0));

// ---- §3.6.4, §9.26-27 ports --------------------------------------------------------------------
add('dst port in range', one([{ action: 'allow', dstPorts: [{ first: 8000, last: 9000 }] }]), all(0));
add('dst port out of range', one([{ action: 'allow', dstPorts: [{ first: 80, last: 80 }] }]), all(7));
add('dst port range bounds inclusive', one([{ action: 'allow', dstPorts: [{ first: 8080, last: 8080 }] }]), all(0));
add('any of several ranges', one([{ action: 'allow', dstPorts: [{ first: 1, last: 2 }, { first: 8080, last: 8081 }] }]), all(0));
add('src port range', one([{ action: 'allow', srcPorts: [{ first: 40000, last: 40000 }] }]), all(0));
add('src port range mismatch', one([{ action: 'allow', srcPorts: [{ first: 1, last: 1024 }] }]), all(7));
add('no socket address => port 0 matches range with 0', one([{ action: 'allow', dstPorts: [{ first: 0, last: 10 }] }]), all(0), { dst: { noSocket: true } });
add('no socket address => port 0 misses range without 0', one([{ action: 'allow', dstPorts: [{ first: 1, last: 10 }] }]), all(7), { dst: { noSocket: true } });
add('named port => port 0', one([{ action: 'allow', dstPorts: [{ first: 0, last: 0 }] }]), all(0), { dst: { namedPort: 'http' } });
add('src without socket address, port 0', one([{ action: 'allow', srcPorts: [{ first: 0, last: 0 }] }]), all(0), { src: { noSocket: true } });
add('dst named-port set ORed with ranges (set hit)', one([{ action: 'allow', dstPorts: [{ first: 1, last: 2 }], dstNamedPortIpSetIds: ['np'] }], [ipset('np', 'IP_AND_PORT', ['10.0.0.2,tcp:8080'])]), all(0));
add('dst named-port set ORed with ranges (range hit)', one([{ action: 'allow', dstPorts: [{ first: 8080, last: 8080 }], dstNamedPortIpSetIds: ['np'] }], [ipset('np', 'IP_AND_PORT', ['10.9.9.9,tcp:1'])]), all(0));
add('dst named-port set miss', one([{ action: 'allow', dstNamedPortIpSetIds: ['np'] }], [ipset('np', 'IP_AND_PORT', ['10.0.0.2,tcp:80'])]), all(7));
add('dst named-port set with udp destination', one([{ action: 'allow', dstNamedPortIpSetIds: ['np'] }], [ipset('np', 'IP_AND_PORT', ['10.0.0.2,udp:53'])]), all(0), { dst: { port: 53, protocol: 1 } });
add('src named-port set', one([{ action: 'allow', srcNamedPortIpSetIds: ['np'] }], [ipset('np', 'IP_AND_PORT', ['10.0.0.1,tcp:40000'])]), all(0));
add('named-port set not reached when range matches (missing set)', one([{ action: 'allow', dstPorts: [{ first: 8080, last: 8080 }], dstNamedPortIpSetIds: ['missing'] }]), all(0));
add('named-port set reached when range misses (missing set) => 13', one([{ action: 'allow', dstPorts: [{ first: 1, last: 1 }], dstNamedPortIpSetIds: ['missing'] }]), all(13));

// ---- §3.6.5, §9.26 nets ------------------------------------------------------------------------
const net = (name: string, rule: Partial<Rule>, want: Want, r?: ReqOpt) => add(`nets: ${name}`, one([{ action: 'allow', ...rule }]), want, r);
net('srcNet contains', { srcNet: ['10.0.0.0/8'] }, all(0));
net('srcNet miss', { srcNet: ['11.0.0.0/8'] }, all(7));
net('srcNet host route', { srcNet: ['10.0.0.1/32'] }, all(0));
net('srcNet /25 works (no trie bug for nets)', { srcNet: ['10.0.0.0/25'] }, all(0));
net('srcNet non-canonical CIDR', { srcNet: ['10.0.0.1/8'] }, all(0));
net('malformed CIDR first => false', { srcNet: ['bogus', '10.0.0.0/8'] }, all(7));
net('malformed CIDR after a match => true', { srcNet: ['10.0.0.0/8', 'bogus'] }, all(0));
net('miss, malformed, match => false', { srcNet: ['11.0.0.0/8', 'bogus', '10.0.0.0/8'] }, all(7));
net('CIDR without length is malformed', { srcNet: ['10.0.0.1', '10.0.0.0/8'] }, all(7));
net('IPv4 never in ::/0', { srcNet: ['::/0'] }, all(7));
net('IPv6 never in 0.0.0.0/0', { srcNet: ['0.0.0.0/0'] }, all(7), { src: { address: 'fd00::1' } });
net('IPv6 in fd00::/8', { srcNet: ['fd00::/8'] }, all(0), { src: { address: 'fd00::1' } });
net('IPv6 /125 net works', { srcNet: ['fd00::/125'] }, all(0), { src: { address: 'fd00::1' } });
net('no socket address never matches', { srcNet: ['0.0.0.0/0'] }, all(7), { src: { noSocket: true } });
net('pipe never matches', { srcNet: ['0.0.0.0/0'] }, all(7), { src: { pipe: true } });
net('non-IP address never matches', { srcNet: ['0.0.0.0/0'] }, all(7), { src: { address: 'localhost' } });
net('IPv4-mapped /104 net acts as IPv4 /8 (Go To4 in Contains)', { srcNet: ['::ffff:10.0.0.0/104'] }, all(0));
net('::ffff:0:0/96 acts as IPv4 /0', { srcNet: ['::ffff:0:0/96'] }, all(0));
net('::ffff:0:0/96 does not contain IPv6', { srcNet: ['::ffff:0:0/96'] }, all(7), { src: { address: 'fd00::1' } });
net('IPv4-mapped /80 is an IPv6 net', { srcNet: ['::ffff:10.0.0.0/80'] }, all(7));
net('prefix length with leading zeros', { srcNet: ['10.0.0.0/0008'] }, all(0));
net('prefix length > 32 for IPv4 is malformed', { srcNet: ['10.0.0.0/33', '10.0.0.0/8'] }, all(7));
net('dstNet contains', { dstNet: ['10.0.0.2/32'] }, all(0));
net('dstNet miss', { dstNet: ['10.0.0.3/32'] }, all(7));
net('dst without socket address never matches nets', { dstNet: ['0.0.0.0/0'] }, all(7), { dst: { noSocket: true } });

// ---- §9.11 fields never evaluated (fail open) -------------------------------------------------
net('notSrcNet ignored', { notSrcNet: ['10.0.0.0/8'] }, all(0));
net('notDstNet ignored', { notDstNet: ['10.0.0.0/8'] }, all(0));
net('notSrcPorts ignored', { notSrcPorts: [{ first: 0, last: 65535 }] }, all(0));
net('notDstPorts ignored', { notDstPorts: [{ first: 0, last: 65535 }] }, all(0));
net('notSrcNamedPortIpSetIds ignored (even missing)', { notSrcNamedPortIpSetIds: ['missing'] }, all(0));
net('notDstNamedPortIpSetIds ignored (even missing)', { notDstNamedPortIpSetIds: ['missing'] }, all(0));
net('ipVersion ignored', { ipVersion: 6 } as Partial<Rule>, all(0));
net('dstIpPortSetIds (v3.20+ field) ignored, even missing', { dstIpPortSetIds: ['missing'] } as Partial<Rule>, all(0));
net('icmp ignored', { icmpType: 8, notIcmpType: 8 } as Partial<Rule>, all(0));

// ---- §3.6.7, §9.23, §9.25 protocol -------------------------------------------------------------
const proto = (name: string, rule: Partial<Rule>, want: Want, r?: ReqOpt) => add(`protocol: ${name}`, one([{ action: 'allow', ...rule }]), want, r);
proto('name tcp', { protocol: { name: 'tcp' } }, all(0));
proto('name TCP (case-insensitive)', { protocol: { name: 'TCP' } }, all(0));
proto('name Udp vs tcp', { protocol: { name: 'Udp' } }, all(7));
proto('name udp vs udp destination', { protocol: { name: 'udp' } }, all(0), { dst: { protocol: 1 } });
proto('source protocol does not count', { protocol: { name: 'udp' } }, all(7), { src: { protocol: 1 } });
proto('number 6', { protocol: { number: 6 } }, all(0));
proto('number 17 never matches udp', { protocol: { number: 17 } }, all(7), { dst: { protocol: 1 } });
proto('number 6 vs udp destination', { protocol: { number: 6 } }, all(7), { dst: { protocol: 1 } });
proto('empty protocol {} never matches', { protocol: {} }, all(7));
proto('name sctp never matches tcp', { protocol: { name: 'sctp' } }, all(7));
proto('notProtocol udp on tcp', { notProtocol: { name: 'udp' } }, all(0));
proto('notProtocol UDP on udp', { notProtocol: { name: 'UDP' } }, all(7), { dst: { protocol: 1 } });
proto('notProtocol 17 excludes nothing', { notProtocol: { number: 17 } }, all(0), { dst: { protocol: 1 } });
proto('notProtocol 6 excludes tcp', { notProtocol: { number: 6 } }, all(7));
proto('notProtocol {} excludes nothing', { notProtocol: {} }, all(0));
proto('protocol tcp and notProtocol tcp', { protocol: { name: 'tcp' }, notProtocol: { name: 'tcp' } }, all(7));
proto('destination without socket address is tcp', { protocol: { name: 'tcp' } }, all(0), { dst: { noSocket: true } });
proto('destination pipe is tcp', { protocol: { name: 'tcp' } }, all(0), { dst: { pipe: true } });
proto('missing destination peer: tcp rule', { protocol: { name: 'tcp' } }, all(7), { dst: null });

// ---- §3.6.6, §9.17-20 HTTP ---------------------------------------------------------------------
const http = (name: string, rule: Partial<Rule>, want: Want, r?: ReqOpt) => add(`http: ${name}`, one([{ action: 'allow', ...rule }]), want, r);
http('method exact', { httpMatch: { methods: ['GET'] } }, all(0));
http('method case-sensitive', { httpMatch: { methods: ['get'] } }, all(7));
http('method one of several', { httpMatch: { methods: ['POST', 'GET'] } }, all(0));
http('method * matches anything', { httpMatch: { methods: ['*'] } }, all(0), { method: 'BREW' });
http('method * matches empty method', { httpMatch: { methods: ['*'] } }, all(0), { method: '' });
http('method * matches TCP-level check', { httpMatch: { methods: ['*'] } }, all(0), { noHttp: true });
http('method list vs TCP-level check', { httpMatch: { methods: ['GET'] } }, all(7), { noHttp: true });
http('empty methods list matches', { httpMatch: { methods: [] } }, all(0), { method: 'DELETE' });
http('empty httpMatch {} matches everything', { httpMatch: {} }, all(0), { noHttp: true });
http('headers and host ignored', { httpMatch: { methods: ['GET'] } }, all(0), { headers: { ':authority': 'evil' } });
http('path exact', { httpMatch: { paths: [{ exact: '/path' }] } }, all(0));
http('path exact cut at ?', { httpMatch: { paths: [{ exact: '/path' }] } }, all(0), { path: '/path?x=1' });
http('path exact cut at #', { httpMatch: { paths: [{ exact: '/path' }] } }, all(0), { path: '/path#frag' });
http('path cut at # before ?', { httpMatch: { paths: [{ exact: '/a' }] } }, all(0), { path: '/a#b?c' });
http('path exact trailing slash differs', { httpMatch: { paths: [{ exact: '/path' }] } }, all(7), { path: '/path/' });
http('path prefix raw', { httpMatch: { paths: [{ prefix: '/api' }] } }, all(0), { path: '/apix' });
http('path prefix miss', { httpMatch: { paths: [{ prefix: '/api' }] } }, all(7), { path: '/ap' });
http('path no dot-segment normalisation', { httpMatch: { paths: [{ prefix: '/a' }] } }, all(7), { path: '/b/../a' });
http('path no percent-decoding', { httpMatch: { paths: [{ exact: '/a/b' }] } }, all(7), { path: '/a%2Fb' });
http('path percent literal', { httpMatch: { paths: [{ exact: '/a%2Fb' }] } }, all(0), { path: '/a%2Fb' });
http('path no // collapsing', { httpMatch: { paths: [{ exact: '/a' }] } }, all(7), { path: '//a' });
http('path query in rule never matches', { httpMatch: { paths: [{ exact: '/path?x=1' }] } }, all(7), { path: '/path?x=1' });
http('path case-sensitive', { httpMatch: { paths: [{ exact: '/Path' }] } }, all(7));
http('empty prefix matches', { httpMatch: { paths: [{ prefix: '' }] } }, all(0));
http('path match with neither exact nor prefix never matches', { httpMatch: { paths: [{}] } }, all(7));
http('one of several paths', { httpMatch: { paths: [{ exact: '/x' }, { prefix: '/pa' }] } }, all(0));
http('methods and paths both required', { httpMatch: { methods: ['POST'], paths: [{ exact: '/path' }] } }, all(7));
http('path without leading / => 3', { httpMatch: { paths: [{ prefix: '' }] } }, all(3), { path: 'path' });
http('absolute-form path => 3', { httpMatch: { paths: [{ prefix: '/' }] } }, all(3), { path: 'http://h/path' });
http('path * => 3', { httpMatch: { paths: [{ prefix: '/' }] } }, all(3), { path: '*' });
http('empty path => 3', { httpMatch: { paths: [{ exact: '/x' }] } }, all(3), { path: '' });
http('no request.http + paths => 3', { httpMatch: { paths: [{ exact: '/x' }] } }, all(3), { noHttp: true });
http('bad path but paths list empty => matches', { httpMatch: { paths: [] } }, all(0), { path: 'bad' });
http('bad path, method clause fails first => no match', { httpMatch: { methods: ['POST'], paths: [{ exact: '/x' }] } }, all(7), { path: 'bad' });
http('bad path, source clause fails first => no match', { srcNet: ['11.0.0.0/8'], httpMatch: { paths: [{ exact: '/x' }] } }, all(7), { path: 'bad' });
http('bad path, dst clause fails first => no match', { dstPorts: [{ first: 1, last: 1 }], httpMatch: { paths: [{ exact: '/x' }] } }, all(7), { path: 'bad' });
http('bad path wins over protocol mismatch', { protocol: { name: 'udp' }, httpMatch: { paths: [{ exact: '/x' }] } }, all(3), { path: 'bad' });
http('bad path wins over missing destination peer (2021)', { httpMatch: { paths: [{ exact: '/x' }] } }, era(7, 3), { path: 'bad', dst: null });
http('bad path on a log rule => 3', { action: 'log', httpMatch: { paths: [{ exact: '/x' }] } }, all(3), { path: 'bad' });
add('bad path: earlier deny wins', one([{ action: 'deny' }, { action: 'allow', httpMatch: { paths: [{ exact: '/x' }] } }]), all(7), { path: 'bad' });
add('bad path: earlier allow wins', one([ALLOW, { action: 'allow', httpMatch: { paths: [{ exact: '/x' }] } }]), all(0), { path: 'bad' });
add('bad path: earlier policy allows', [pol('a', [ALLOW]), pol('b', [{ action: 'deny', httpMatch: { paths: [{ exact: '/x' }] } }]), ep([{ ingress: ['a', 'b'] }])], all(0), { path: 'bad' });
add('bad path: reached in a later policy', [pol('a', [{ action: 'allow', srcNet: ['11.0.0.0/8'] }]), pol('b', [{ action: 'deny', httpMatch: { paths: [{ exact: '/x' }] } }]), ep([{ ingress: ['a', 'b'] }])], all(3), { path: 'bad' });
add('bad path: pass skips path rule in later policy', [pol('a', [{ action: 'pass' }]), pol('b', [{ action: 'allow', httpMatch: { paths: [{ exact: '/x' }] } }]), prof('pr', [ALLOW]), ep([{ ingress: ['a', 'b'] }], ['pr'])], all(0), { path: 'bad' });
add('bad path in a profile rule => 3', [prof('pr', [{ action: 'allow', httpMatch: { paths: [{ exact: '/x' }] } }]), ep([], ['pr'])], all(3), { path: 'bad' });

// ---- §3.4.5, §9.7-8 actions --------------------------------------------------------------------
add('action Allow (case-insensitive)', one([{ action: 'Allow' }]), all(0));
add('action DENY', one([{ action: 'DENY' }, ALLOW]), all(7));
add('log rule matches and continues', one([{ action: 'log' }, ALLOW]), all(0));
add('log then deny', one([{ action: 'LOG' }, { action: 'deny' }, ALLOW]), all(7));
add('only log rules => end-of-tier deny', one([{ action: 'log' }]), all(7));
add('unknown action on a matching rule => crash (13)', one([{ action: 'drop' }]), all(13));
add('empty action on a matching rule => crash (13)', one([{ action: '' }]), all(13));
add('unknown action on a non-matching rule is harmless', one([{ action: 'drop', srcNet: ['11.0.0.0/8'] }, ALLOW]), all(0));
add('unknown action after a deciding rule is harmless', one([ALLOW, { action: 'drop' }]), all(0));
add('first matching rule decides', one([{ action: 'deny', httpMatch: { methods: ['GET'] } }, ALLOW]), all(7));
add('first matching rule decides (POST)', one([{ action: 'deny', httpMatch: { methods: ['GET'] } }, ALLOW]), all(0), { method: 'POST' });
add('outboundRules never consulted', [pol('p', [], { outboundRules: [ALLOW] }), ep([{ ingress: ['p'] }])], all(7));

// ---- §3.4, §3.5, §9.5-7, §9.9 tiers and profiles ---------------------------------------------
const allowProfile = prof('pr-allow', [ALLOW]);
const denyProfile = prof('pr-deny', [{ action: 'deny' }]);
const noMatchProfile = prof('pr-none', [{ action: 'allow', srcNet: ['11.0.0.0/8'] }]);
const noMatch = (name: string, tier = 'default') => pol(name, [{ action: 'allow', srcNet: ['11.0.0.0/8'] }], { tier });
add('pass => profiles allow', [pol('p', [{ action: 'pass' }]), allowProfile, ep([{ ingress: ['p'] }], ['pr-allow'])], all(0));
add('next-tier => profiles allow', [pol('p', [{ action: 'next-tier' }]), allowProfile, ep([{ ingress: ['p'] }], ['pr-allow'])], all(0));
add('Next-Tier (case) => profiles allow', [pol('p', [{ action: 'Next-Tier' }]), allowProfile, ep([{ ingress: ['p'] }], ['pr-allow'])], all(0));
add('pass skips later policies of the tier', [pol('p', [{ action: 'pass' }]), pol('q', [{ action: 'deny' }]), allowProfile, ep([{ ingress: ['p', 'q'] }], ['pr-allow'])], all(0));
add('pass with no profiles => 7', [pol('p', [{ action: 'pass' }]), ep([{ ingress: ['p'] }])], all(7));
add('pass in a profile => 7', [pol('p', [{ action: 'pass' }]), prof('pr-pass', [{ action: 'pass' }]), allowProfile, ep([{ ingress: ['p'] }], ['pr-pass', 'pr-allow'])], all(7));
add('no tiers => profiles', [allowProfile, ep([], ['pr-allow'])], all(0));
add('no tiers, no profiles => 7', [ep([], [])], all(7));
add('profiles in order: no match then allow', [noMatchProfile, allowProfile, ep([], ['pr-none', 'pr-allow'])], all(0));
add('profiles: deny decides', [denyProfile, allowProfile, ep([], ['pr-deny', 'pr-allow'])], all(7));
add('profiles: none match => 7', [noMatchProfile, ep([], ['pr-none'])], all(7));
add('profile log then allow', [prof('pr', [{ action: 'log' }, ALLOW]), ep([], ['pr'])], all(0));
add('end of tier denies even when a profile allows', [noMatch('p'), allowProfile, ep([{ ingress: ['p'] }], ['pr-allow'])], all(7));
add('policies of a tier in order', [noMatch('a'), pol('b', [ALLOW]), ep([{ ingress: ['a', 'b'] }])], all(0));
add('policy looked up under the tier name', [pol('p', [ALLOW], { tier: 'other' }), pol('p', [{ action: 'deny' }], { tier: 'default' }), ep([{ name: 'other', ingress: ['p'] }])], all(0));
add('later tiers: only tier[0] before 3.29', [noMatch('a'), pol('b', [ALLOW], { tier: 't2' }), ep([{ ingress: ['a'] }, { name: 't2', ingress: ['b'] }])], all(7));
add('tier default_action Pass continues (3.29)', [noMatch('a'), pol('b', [ALLOW], { tier: 't2' }), ep([{ ingress: ['a'], defaultAction: 'Pass' }, { name: 't2', ingress: ['b'] }])], { '3.2': 7, '3.28': 7, '3.29': 0 });
add('tier default_action Deny', [noMatch('a'), pol('b', [ALLOW], { tier: 't2' }), ep([{ ingress: ['a'], defaultAction: 'Deny' }, { name: 't2', ingress: ['b'] }])], all(7));
add('tier default_action empty denies', [noMatch('a'), pol('b', [ALLOW], { tier: 't2' }), ep([{ ingress: ['a'], defaultAction: '' }, { name: 't2', ingress: ['b'] }])], all(7));
add('tier default_action "pass" (lower case) denies', [noMatch('a'), pol('b', [ALLOW], { tier: 't2' }), ep([{ ingress: ['a'], defaultAction: 'pass' }, { name: 't2', ingress: ['b'] }])], all(7));
add('tier default_action Pass on last tier => profiles (3.29)', [noMatch('a'), allowProfile, ep([{ ingress: ['a'], defaultAction: 'Pass' }], ['pr-allow'])], { '3.2': 7, '3.28': 7, '3.29': 0 });
add('pass goes to next tier in 3.29, profiles before', [pol('a', [{ action: 'pass' }]), pol('b', [{ action: 'deny' }], { tier: 't2' }), allowProfile, ep([{ ingress: ['a'] }, { name: 't2', ingress: ['b'] }], ['pr-allow'])], { '3.2': 0, '3.28': 0, '3.29': 7 });
add('first tier without ingress policies: deny before 3.29, skipped in 3.29', [pol('e', []), allowProfile, ep([{ egress: ['e'] }], ['pr-allow'])], { '3.2': 7, '3.28': 7, '3.29': 0 });
add('first tier without ingress policies, second tier allows', [pol('b', [ALLOW], { tier: 't2' }), ep([{ ingress: [] }, { name: 't2', ingress: ['b'] }])], { '3.2': 7, '3.28': 7, '3.29': 0 });
add('tier without ingress policies, default Deny, skipped in 3.29', [allowProfile, ep([{ ingress: [], defaultAction: 'Deny' }], ['pr-allow'])], { '3.2': 7, '3.28': 7, '3.29': 0 });
add('missing policy reached => 13 before 3.29; skipped in 3.29', [pol('b', [ALLOW]), ep([{ ingress: ['missing', 'b'] }])], { '3.2': 13, '3.28': 13, '3.29': 0 });
add('missing last policy skips end-of-tier (3.29) => profiles', [noMatch('a'), allowProfile, ep([{ ingress: ['a', 'missing'] }], ['pr-allow'])], { '3.2': 13, '3.28': 13, '3.29': 0 });
add('missing last policy, no profiles => 7', [noMatch('a'), ep([{ ingress: ['a', 'missing'] }])], { '3.2': 13, '3.28': 13, '3.29': 7 });
add('missing last policy skips end-of-tier (3.29) => next tier', [noMatch('a'), pol('b', [ALLOW], { tier: 't2' }), ep([{ ingress: ['a', 'missing'] }, { name: 't2', ingress: ['b'] }])], { '3.2': 13, '3.28': 13, '3.29': 0 });
add('missing policy not reached', [pol('a', [ALLOW]), ep([{ ingress: ['a', 'missing'] }])], all(0));
add('missing policy in tier[1] ignored before 3.29', [noMatch('a'), ep([{ ingress: ['a'] }, { name: 't2', ingress: ['missing'] }])], { '3.2': 7, '3.28': 7, '3.29': 7 });
add('missing profile reached => 13 before 3.29; skipped in 3.29', [allowProfile, ep([], ['missing', 'pr-allow'])], { '3.2': 13, '3.28': 13, '3.29': 0 });
add('missing profile not reached', [allowProfile, ep([], ['pr-allow', 'missing'])], all(0));
add('policy removed => missing', [pol('p', [ALLOW]), ep([{ ingress: ['p'] }]), { activePolicyRemove: { id: { tier: 'default', name: 'p' } } }], { '3.2': 13, '3.28': 13, '3.29': 7 });
add('profile removed => missing', [allowProfile, ep([], ['pr-allow']), { activeProfileRemove: { id: { name: 'pr-allow' } } }], { '3.2': 13, '3.28': 13, '3.29': 7 });
add('policy update replaces rules', [pol('p', [ALLOW]), pol('p', [{ action: 'deny' }]), ep([{ ingress: ['p'] }])], all(7));
add('policy update without a policy body = missing policy', [pol('p', [ALLOW]), { activePolicyUpdate: { id: { tier: 'default', name: 'p' }, policy: null } }, ep([{ ingress: ['p'] }])], { '3.2': 13, '3.28': 13, '3.29': 7 });
add('profile update without a profile body = missing profile', [allowProfile, { activeProfileUpdate: { id: { name: 'pr-allow' }, profile: null } }, ep([], ['pr-allow'])], { '3.2': 13, '3.28': 13, '3.29': 7 });
add('NetworkPolicy name with namespace prefix', [pol('default/np', [ALLOW], { namespace: 'default' }), ep([{ ingress: ['default/np'] }])], all(0));

// ---- prefilter / index consistency: keyed rules in order --------------------------------------
add('keyed rules: SA-keyed deny before IP-set allow', one([{ action: 'deny', srcServiceAccountMatch: { names: ['client'] } }, { action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/8'])]), all(7));
add('keyed rules: net-keyed deny before method allow', one([{ action: 'deny', srcNet: ['10.0.0.0/24'] }, { action: 'allow', httpMatch: { methods: ['GET'] } }]), all(7));
add('keyed rules: method-keyed miss then net allow', one([{ action: 'deny', httpMatch: { methods: ['POST'] } }, { action: 'allow', srcNet: ['10.0.0.0/24'] }]), all(0));
add('keyed rules: IP-set deny (trie bug) then allow', one([{ action: 'deny', srcIpSetIds: ['s'] }, ALLOW], [ipset('s', 'NET', ['10.0.0.0/28'])]), all(0));
add('keyed rules: ipv4-mapped source in IPv4 net', one([{ action: 'allow', srcNet: ['10.0.0.0/8'] }]), all(0), { src: { address: '::ffff:10.0.0.1' } });
add('keyed rules: SA-keyed with empty principal', one([{ action: 'deny', srcServiceAccountMatch: { names: ['x'] } }, { action: 'allow', srcServiceAccountMatch: { names: ['y'] } }]), era(7, 7), { src: { principal: '' } });
add('keyed rules: SA-keyed allow with empty principal', one([{ action: 'allow', srcServiceAccountMatch: { names: ['y'] } }]), era(7, 0), { src: { principal: '' } });
add('prefilter: dst port range and protocol', one([{ action: 'deny', dstPorts: [{ first: 8080, last: 8080 }], protocol: { name: 'udp' } }, { action: 'allow', dstPorts: [{ first: 8080, last: 8080 }], protocol: { name: 'tcp' } }]), all(0));
add('prefilter: huge dst port value matches a rule without port clause', one([ALLOW]), all(0), { dst: { port: 4294967295 } });
add('prefilter: huge src port value matches a rule without port clause', one([ALLOW]), all(0), { src: { port: 4294967295 } });
add('prefilter (unindexed): huge dst port, empty principal', one([ALLOW]), era(7, 0), { src: { principal: '' }, dst: { port: 4294967295 } });
add('prefilter (unindexed): dst port 2^31, empty principal', one([ALLOW]), era(7, 0), { src: { principal: '' }, dst: { port: 2147483648 } });
add('prefilter (unindexed): huge src port, empty principal', one([ALLOW]), era(7, 0), { src: { principal: '', port: 4294967295 } });
// Go converts port_value (uint32) with int32(): 2^32-1 is -1 for range matching.
add('port value 2^32-1 is -1 for ranges', one([{ action: 'allow', dstPorts: [{ first: -1, last: -1 }] }]), all(0), { dst: { port: 4294967295 } });
add('port value 2^32-1 misses 0..65535', one([{ action: 'allow', dstPorts: [{ first: 0, last: 65535 }] }]), all(7), { dst: { port: 4294967295 } });
add('IP_AND_PORT key keeps the unsigned port', one([{ action: 'allow', dstNamedPortIpSetIds: ['np'] }], [ipset('np', 'IP_AND_PORT', ['10.0.0.2,tcp:4294967295'])]), all(0), { dst: { port: 4294967295 } });
// NET sets hold prefixes (a trie), not member strings: same prefix written twice is one member.
add('NET: non-canonical duplicate prefix removed together', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['10.0.0.0/8', '10.1.0.0/8']), { ipsetDeltaUpdate: { id: 's', removedMembers: ['10.1.0.0/8'] } }]), all(7));
add('NET: IPv6 member case-insensitive prefix', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['FD00::1/128']), { ipsetDeltaUpdate: { id: 's', removedMembers: ['fd00::1/128'] } }]), all(7), { src: { address: 'fd00::1' } });
add('NET: IPv4-mapped member with length <= 32 is an IPv4 prefix', one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', ['::ffff:10.0.0.0/8'])]), all(0));

// ---------------------------------------------------------------------------------------------

function buildStore(messages: ToDataplane[]): PolicyStore {
  // Store errors (e.g. skipped NET members) are expected for some cases; verdicts are what counts.
  return PolicyStore.from(messages).store;
}

t.test('fidelity table in process (exact walk and fast path)', async (t) => {
  for (const c of cases) {
    const store = buildStore(c.store);
    for (const compat of COMPATS) {
      const want = c.want[compat];
      if (want === undefined) continue;
      const explained = evaluateCheck(store, req(c.req), { compat, explain: true });
      t.equal(explained.code, want, `[${compat}] ${c.name} (explain)${explained.trace ? '\n' + formatTrace(explained.trace) : ''}`);
      t.equal(evaluateCheck(store, req(c.req), { compat }).code, want, `[${compat}] ${c.name} (fast)`);
      // Again on a store whose selectors were parsed eagerly in this level's dialect.
      const eager = PolicyStore.from(c.store, { compat }).store;
      t.equal(evaluateCheck(eager, req(c.req), { compat }).code, want, `[${compat}] ${c.name} (eager store)`);
    }
  }
});

// The same requests with an anonymous source (2021+) take the unindexed pre-filter walk; its verdict
// must be the exact walk's.
t.test('fast and exact walks agree with an anonymous source', async (t) => {
  for (const c of cases) {
    const store = buildStore(c.store);
    for (const compat of ['3.28', '3.29'] as const) {
      const r = req({ ...c.req, src: c.req?.src === null ? null : { ...(c.req?.src ?? {}), principal: '' } });
      const exact = evaluateCheck(store, r, { compat, explain: true }).code;
      t.equal(evaluateCheck(store, r, { compat }).code, exact, `[${compat}] ${c.name}`);
    }
  }
});

t.test('null store (no InSync) => 14 at every level', async (t) => {
  for (const compat of COMPATS) t.equal(evaluateCheck(null, req(), { compat }).code, 14);
});

t.test('v2/v2alpha shim (§9.24)', async (t) => {
  const store = buildStore(one([ALLOW]));
  for (const v of ['v2', 'v2alpha'] as const) {
    for (const compat of COMPATS) {
      t.equal(evaluateCheck(store, req(), { compat, apiVersion: v }).code, 0, `${v} ${compat} both peers`);
      // 2018: a missing peer is an empty principal => 7; 2021: the shim crashes (we answer 13).
      t.equal(evaluateCheck(store, req({ dst: null }), { compat, apiVersion: v }).code, compat === '3.2' ? 7 : 13, `${v} ${compat} no destination`);
      t.equal(evaluateCheck(store, req({ src: null }), { compat, apiVersion: v }).code, compat === '3.2' ? 7 : 13, `${v} ${compat} no source`);
      // The shim always builds request.http; without one the request is the same as a TCP-level check.
      t.equal(evaluateCheck(store, req({ noHttp: true }), { compat, apiVersion: v }).code, 0, `${v} ${compat} no http`);
    }
  }
});

t.test('updates after InSync apply in place (§9.3)', async (t) => {
  const store = buildStore(one([{ action: 'allow', srcIpSetIds: ['s'] }], [ipset('s', 'NET', [])]));
  t.equal(evaluateCheck(store, req()).code, 7);
  store.apply({ ipsetDeltaUpdate: { id: 's', addedMembers: ['10.0.0.0/24'] } });
  t.equal(evaluateCheck(store, req()).code, 0, 'delta applied');
  store.apply({ ipsetDeltaUpdate: { id: 's', removedMembers: ['10.0.0.0/24'], addedMembers: ['10.0.0.0/26'] } });
  t.equal(evaluateCheck(store, req()).code, 7, '/26 never matches');
  store.apply(pol('p', [ALLOW]));
  t.equal(evaluateCheck(store, req()).code, 0, 'policy replaced');
  store.apply(ep([{ ingress: [] }]));
  t.equal(evaluateCheck(store, req()).code, 7, 'endpoint replaced');
  t.equal(store.apply({ ipsetDeltaUpdate: { id: 'unknown', addedMembers: ['1.1.1.1/32'] } }).ok, false, 'delta for unknown set reported');
});

// A sample of the table over the real server and sockets (decode path, store sync, encoding).
const GRPC_SAMPLE = /identity|principal|peer|no socket|pipe|named port|protocol|http|bad path|tier|missing|SA selector|namespace|IP_AND_PORT|trie|huge/;
for (const compat of COMPATS) {
  t.test(`fidelity sample over gRPC [${compat}]`, async (t) => {
    const h = await startHarness(t, { compat });
    for (const c of cases) {
      const want = c.want[compat];
      if (want === undefined || !GRPC_SAMPLE.test(c.name)) continue;
      await h.resync(c.store);
      t.equal(await h.check(req(c.req)), want, c.name);
    }
  });
}

t.test('second InSync on a stream is ignored; later updates apply in place (gRPC)', async (t) => {
  const h = await startHarness(t, { felixScript: [...one([ALLOW]), { inSync: {} }, { inSync: {} }] });
  await new Promise<void>((r) => (h.dikastes.activeStore() ? r() : h.dikastes.once('insync', () => r())));
  t.equal(await h.check(req()), 0);
  h.felix.send(pol('p', [{ action: 'deny' }]));
  let code = 0;
  for (let i = 0; i < 100 && code !== 7; i++) {
    await new Promise((r) => setTimeout(r, 10));
    code = await h.check(req());
  }
  t.equal(code, 7, 'in-place update visible');
});

t.test('a request label named __proto__ is an ordinary label (gRPC)', async (t) => {
  const h = await startHarness(t, { felixScript: [...one([{ action: 'allow', srcServiceAccountMatch: { selector: "__proto__ == 'x'" } }]), { inSync: {} }] });
  await new Promise<void>((r) => (h.dikastes.activeStore() ? r() : h.dikastes.once('insync', () => r())));
  t.equal(await h.check(req({ src: { labels: { ['__proto__']: 'x' } } })), 0);
  t.equal(await h.check(req({ src: { labels: { other: 'x' } } })), 7);
});

t.test('decoder truncates varints to the 32-bit field types as Go does', async (t) => {
  // SocketAddress{protocol = -1 as int32 (10-byte varint), port_value = 2^32 + 80 (too wide)}
  const socket = Writer.create().uint32((1 << 3) | 0).int32(-1).uint32((3 << 3) | 0).uint64(4294967296 + 80).finish();
  const address = Writer.create().uint32((1 << 3) | 2).bytes(socket).finish();
  const peerBytes = Writer.create().uint32((1 << 3) | 2).bytes(address).finish();
  const attrs = Writer.create().uint32((2 << 3) | 2).bytes(peerBytes).finish();
  const buf = Buffer.from(Writer.create().uint32((1 << 3) | 2).bytes(attrs).finish());
  const s = decodeCheckRequest(buf).attributes!.destination!.address!.socketAddress!;
  t.equal(s.portValue, 80);
  t.equal(s.protocol, -1);
});
