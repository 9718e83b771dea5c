// The rule-field case table shared by the in-process engine test and the over-gRPC test.
import type { Rule, ToDataplane } from '@alpsim/proto';
import type { Compat } from '../../src/index';
import { endpoint, ipset, namespace, policy, principal, request, serviceAccount, type RequestSpec } from './build';

export const ALL: Compat[] = ['3.2', '3.28', '3.29'];

export interface Case {
  name: string;
  rule?: Rule;
  rules?: Rule[];
  policyNamespace?: string;
  extra?: ToDataplane[];
  req?: RequestSpec;
  /** A code for every level, or per level. */
  expect: number | Partial<Record<Compat, number>>;
  /** Expected failed clause of rule 0 (checked at 3.28 unless `clauseCompat`). */
  clause?: string;
  compat?: Compat[];
}

const allow = (r: Rule): Rule => ({ action: 'allow', ...r });

export const cases: Case[] = [
  // --- basics and identity (§9 items 1, 21, 22) ---
  { name: 'empty allow rule allows', rule: { action: 'allow' }, expect: 0 },
  { name: 'any trust domain is accepted', rule: { action: 'allow' }, req: { source: { principal: principal('default', 'client', 'example.org') } }, expect: 0 },
  { name: 'non-SPIFFE principal denies before policy', rule: { action: 'allow' }, req: { source: { principal: 'https://x/ns/a/sa/b' } }, expect: 7 },
  { name: 'scheme is case-sensitive', rule: { action: 'allow' }, req: { source: { principal: 'SPIFFE://cluster.local/ns/a/sa/b' } }, expect: 7 },
  { name: 'extra path segment is not SPIFFE', rule: { action: 'allow' }, req: { destination: { principal: 'spiffe://d/ns/a/sa/b/c' } }, expect: 7 },
  { name: 'empty source principal: 2018 strict, later accepted', rule: { action: 'allow' }, req: { source: { principal: '' } }, expect: { '3.2': 7, '3.28': 0, '3.29': 0 } },
  {
    name: 'empty principal matches any SA clause (v3.12+)',
    rule: allow({ srcServiceAccountMatch: { names: ['nobody'], selector: 'x == "y"' } }),
    req: { source: { principal: '' } },
    expect: { '3.2': 7, '3.28': 0, '3.29': 0 },
  },
  {
    name: 'empty principal matches namespace clauses (v3.12+)',
    rule: allow({ originalSrcNamespaceSelector: 'has(nope)' }),
    req: { source: { principal: '' } },
    expect: { '3.2': 7, '3.28': 0, '3.29': 0 },
  },
  { name: 'missing source peer: like an empty principal', rule: { action: 'allow' }, req: { source: null }, expect: { '3.2': 7, '3.28': 0, '3.29': 0 } },
  { name: 'missing destination peer: no rule can match (§9 item 23)', rule: { action: 'allow' }, req: { destination: null }, expect: 7, compat: ['3.28', '3.29'], clause: 'protocol(no destination peer)' },
  { name: 'destination without socket address is TCP', rule: allow({ protocol: { name: 'tcp' } }), req: { destination: { address: null } }, expect: 0 },

  // --- service accounts (§3.6 item 2, §9 item 13) ---
  { name: 'SA names match', rule: allow({ srcServiceAccountMatch: { names: ['client', 'other'] } }), expect: 0 },
  { name: 'SA names mismatch', rule: allow({ srcServiceAccountMatch: { names: ['other'] } }), expect: 7, clause: 'srcServiceAccountMatch.names' },
  { name: 'dst SA names mismatch', rule: allow({ dstServiceAccountMatch: { names: ['other'] } }), expect: 7, clause: 'dstServiceAccountMatch.names' },
  {
    name: 'SA selector: store labels win over request labels',
    rule: allow({ srcServiceAccountMatch: { selector: 'app == "store"' } }),
    extra: [serviceAccount('default', 'client', { app: 'store' })],
    req: { source: { labels: { app: 'request' } } },
    expect: 0,
  },
  {
    name: 'SA selector: request label hidden by store label',
    rule: allow({ srcServiceAccountMatch: { selector: 'app == "request"' } }),
    extra: [serviceAccount('default', 'client', { app: 'store' })],
    req: { source: { labels: { app: 'request' } } },
    expect: 7,
    clause: 'srcServiceAccountMatch.selector',
  },
  {
    name: 'SA selector: request labels fill the gaps',
    rule: allow({ srcServiceAccountMatch: { selector: 'app == "store" && tier == "web"' } }),
    extra: [serviceAccount('default', 'client', { app: 'store' })],
    req: { source: { labels: { tier: 'web' } } },
    expect: 0,
  },
  {
    name: 'SA unknown to the store: request labels only',
    rule: allow({ srcServiceAccountMatch: { selector: 'tier == "web"' } }),
    req: { source: { labels: { tier: 'web' } } },
    expect: 0,
  },
  { name: 'empty SA match {} matches', rule: allow({ srcServiceAccountMatch: {} }), expect: 0 },
  { name: 'unparseable SA selector never matches (§9 item 15)', rule: allow({ srcServiceAccountMatch: { selector: 'not.a.real.selector' } }), expect: 7 },
  {
    name: '2018 dialect lacks contains (§9 item 16)',
    rule: allow({ srcServiceAccountMatch: { selector: 'app contains "sto"' } }),
    extra: [serviceAccount('default', 'client', { app: 'store' })],
    expect: { '3.2': 7, '3.28': 0, '3.29': 0 },
  },
  { name: 'envnotin{...} is one token: parse error', rule: allow({ srcServiceAccountMatch: { selector: 'envnotin{"a"}' } }), expect: 7 },
  { name: 'in {} never matches', rule: allow({ srcServiceAccountMatch: { selector: 'app in {}' } }), req: { source: { labels: { app: 'x' } } }, expect: 7 },
  { name: '!= is true when the label is absent', rule: allow({ srcServiceAccountMatch: { selector: 'app != "x"' } }), expect: 0 },

  // --- namespaces (§3.6 item 1, §9 items 12, 14) ---
  {
    name: 'namespace selector on store labels',
    rule: allow({ originalSrcNamespaceSelector: 'team == "a"' }),
    extra: [namespace('default', { team: 'a' })],
    expect: 0,
  },
  { name: 'namespace selector mismatch', rule: allow({ originalSrcNamespaceSelector: 'team == "b"' }), extra: [namespace('default', { team: 'a' })], expect: 7, clause: 'originalSrcNamespaceSelector' },
  { name: 'missing namespace: all() matches', rule: allow({ originalSrcNamespaceSelector: 'all()' }), expect: 0 },
  { name: 'missing namespace: !has(x) matches', rule: allow({ originalSrcNamespaceSelector: '!has(x)' }), expect: 0 },
  { name: 'missing namespace: has(x) fails', rule: allow({ originalSrcNamespaceSelector: 'has(x)' }), expect: 7 },
  { name: 'namespaced policy + pod selector restricts to its namespace', rule: allow({ originalSrcSelector: 'app == "x"' }), policyNamespace: 'other', expect: 7, clause: 'srcNamespace(policy namespace)' },
  { name: 'namespaced policy + pod selector, same namespace', rule: allow({ originalSrcSelector: 'app == "x"' }), policyNamespace: 'default', expect: 0 },
  { name: 'pod selector text is never evaluated', rule: allow({ originalSrcSelector: 'garbage (((' }), policyNamespace: 'default', expect: 0 },
  { name: 'not-selector also restricts', rule: allow({ originalNotSrcSelector: 'app == "x"' }), policyNamespace: 'other', expect: 7 },
  { name: 'SA names restrict to the policy namespace', rule: allow({ srcServiceAccountMatch: { names: ['client'] } }), policyNamespace: 'other', expect: 7 },
  {
    name: 'namespace selector lifts the restriction',
    rule: allow({ originalSrcSelector: 'app == "x"', originalSrcNamespaceSelector: 'all()' }),
    policyNamespace: 'other',
    expect: 0,
  },
  { name: 'global policy: pod selector has no effect', rule: allow({ originalSrcSelector: 'app == "x"' }), expect: 0 },
  { name: 'dst side restriction', rule: allow({ originalDstSelector: 'app == "x"' }), policyNamespace: 'other', expect: 7, clause: 'dstNamespace(policy namespace)' },

  // --- IP sets (§3.6 items 3, 8; §9 items 27, 28) ---
  { name: 'NET /24 member matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.0/24'])], expect: 0 },
  { name: 'NET /32 member matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.1/32'])], expect: 0 },
  { name: 'NET /25 member never matches (trie bug)', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.0/25'])], expect: 7, clause: 'srcIpSetIds' },
  { name: 'NET /31 member never matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.0/31'])], expect: 7 },
  { name: 'NET /0 member matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['0.0.0.0/0'])], expect: 0 },
  { name: 'NET IPv6 /120 matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['fd00::/120'])], req: { source: { address: 'fd00::5' } }, expect: 0 },
  { name: 'NET IPv6 /121 never matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['fd00::/121'])], req: { source: { address: 'fd00::5' } }, expect: 7 },
  { name: 'NET IPv6 /128 matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['fd00::5/128'])], req: { source: { address: 'fd00::5' } }, expect: 0 },
  { name: 'NET v4-mapped address counts as IPv4', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.0/8'])], req: { source: { address: '::ffff:10.0.0.1' } }, expect: 0 },
  { name: 'NET: no socket address never matches', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['0.0.0.0/0'])], req: { source: { address: null } }, expect: 7 },
  { name: 'all src sets must contain the address', rule: allow({ srcIpSetIds: ['a', 'b'] }), extra: [ipset('a', 'NET', ['10.0.0.0/8']), ipset('b', 'NET', ['11.0.0.0/8'])], expect: 7 },
  { name: 'notSrcIpSetIds excludes', rule: allow({ notSrcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.0/16'])], expect: 7, clause: 'notSrcIpSetIds' },
  { name: 'notSrcIpSetIds with a /25 member fails open', rule: allow({ notSrcIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.0/25'])], expect: 0 },
  { name: 'dst IP set', rule: allow({ dstIpSetIds: ['s'] }), extra: [ipset('s', 'NET', ['10.0.0.2/32'])], expect: 0 },
  { name: 'notDstIpSetIds excludes', rule: allow({ notDstIpSetIds: ['s'] }), extra: [ipset('s', 'IP', ['10.0.0.2'])], expect: 7, clause: 'notDstIpSetIds' },
  { name: 'IP set literal compare', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'IP', ['fd00::1'])], req: { source: { address: 'fd00::1' } }, expect: 0 },
  { name: 'IP set: no IPv6 normalisation (upper case)', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'IP', ['fd00::1'])], req: { source: { address: 'FD00::1' } }, expect: 7 },
  { name: 'IP set: no IPv6 normalisation (long form)', rule: allow({ srcIpSetIds: ['s'] }), extra: [ipset('s', 'IP', ['fd00::1'])], req: { source: { address: 'fd00:0:0:0:0:0:0:1' } }, expect: 7 },
  { name: 'missing IP set reached: real crashes, we answer INTERNAL', rule: allow({ srcIpSetIds: ['gone'] }), expect: 13 },
  { name: 'missing IP set not reached (earlier clause fails)', rule: allow({ srcServiceAccountMatch: { names: ['x'] }, srcIpSetIds: ['gone'] }), expect: 7 },

  // --- ports and named ports (§3.6 item 4; §9 items 26, 27) ---
  { name: 'dst port in range', rule: allow({ dstPorts: [{ first: 8000, last: 9000 }] }), expect: 0 },
  { name: 'dst port out of range', rule: allow({ dstPorts: [{ first: 1, last: 100 }] }), expect: 7, clause: 'dstPorts' },
  { name: 'src port range', rule: allow({ srcPorts: [{ first: 40000, last: 40000 }] }), expect: 0 },
  { name: 'no socket address: port 0 matches a range with 0', rule: allow({ srcPorts: [{ first: 0, last: 10 }] }), req: { source: { address: null } }, expect: 0 },
  { name: 'named port set (ip,proto:port)', rule: allow({ dstNamedPortIpSetIds: ['np'] }), extra: [ipset('np', 'IP_AND_PORT', ['10.0.0.2,tcp:8080'])], expect: 0 },
  { name: 'named port set: protocol of the tested peer', rule: allow({ dstNamedPortIpSetIds: ['np'] }), extra: [ipset('np', 'IP_AND_PORT', ['10.0.0.2,tcp:8080'])], req: { destination: { protocol: 'UDP' } }, expect: 7 },
  {
    name: 'port ranges and named ports are ORed',
    rule: allow({ dstPorts: [{ first: 1, last: 2 }], dstNamedPortIpSetIds: ['np'] }),
    extra: [ipset('np', 'IP_AND_PORT', ['10.0.0.2,tcp:8080'])],
    expect: 0,
  },
  { name: 'notDstPorts is not implemented (fails open)', rule: allow({ notDstPorts: [{ first: 8080, last: 8080 }] }), expect: 0 },
  { name: 'notSrcNamedPortIpSetIds is not implemented', rule: allow({ notSrcNamedPortIpSetIds: ['nope'] }), expect: 0 },

  // --- nets (§3.6 item 5; §9 items 11, 26) ---
  { name: 'srcNet match', rule: allow({ srcNet: ['10.0.0.0/8'] }), expect: 0 },
  { name: 'srcNet mismatch', rule: allow({ srcNet: ['11.0.0.0/8'] }), expect: 7, clause: 'srcNet' },
  { name: 'malformed CIDR false at that point', rule: allow({ srcNet: ['bogus', '10.0.0.0/8'] }), expect: 7 },
  { name: 'malformed CIDR after a match is not reached', rule: allow({ srcNet: ['10.0.0.0/8', 'bogus'] }), expect: 0 },
  { name: 'IPv4 never matches an IPv6 /0', rule: allow({ srcNet: ['::/0'] }), expect: 7 },
  { name: 'IPv6 net', rule: allow({ srcNet: ['fd00::/64'] }), req: { source: { address: 'fd00::1:2' } }, expect: 0 },
  { name: 'nets with no socket address never match', rule: allow({ srcNet: ['0.0.0.0/0'] }), req: { source: { address: null } }, expect: 7 },
  { name: 'dstNet', rule: allow({ dstNet: ['10.0.0.2/32'] }), expect: 0 },
  { name: 'notSrcNet is not implemented (fails open)', rule: allow({ notSrcNet: ['10.0.0.0/8'] }), expect: 0 },
  { name: 'notDstNet is not implemented', rule: allow({ notDstNet: ['10.0.0.0/8'] }), expect: 0 },
  { name: 'ipVersion / icmp are not implemented', rule: allow({ ipVersion: 6, icmpType: 8, notIcmpType: 3 }), expect: 0 },

  // --- HTTP (§9 items 17-20) ---
  { name: 'method exact', rule: allow({ httpMatch: { methods: ['GET'] } }), expect: 0 },
  { name: 'method case-sensitive', rule: allow({ httpMatch: { methods: ['get'] } }), expect: 7, clause: 'httpMatch.methods' },
  { name: 'method * matches an empty method', rule: allow({ httpMatch: { methods: ['*'] } }), req: { http: false }, expect: 0 },
  { name: 'methods fail a TCP-level check', rule: allow({ httpMatch: { methods: ['GET'] } }), req: { http: false }, expect: 7 },
  { name: 'empty httpMatch {} matches', rule: allow({ httpMatch: {} }), req: { http: false }, expect: 0 },
  { name: 'path exact', rule: allow({ httpMatch: { paths: [{ exact: '/a' }] } }), req: { path: '/a' }, expect: 0 },
  { name: 'path exact after query cut', rule: allow({ httpMatch: { paths: [{ exact: '/a' }] } }), req: { path: '/a?x=1' }, expect: 0 },
  { name: 'path exact after fragment cut', rule: allow({ httpMatch: { paths: [{ exact: '/a' }] } }), req: { path: '/a#frag?x' }, expect: 0 },
  { name: 'path prefix is a raw prefix', rule: allow({ httpMatch: { paths: [{ prefix: '/api' }] } }), req: { path: '/apix' }, expect: 0 },
  { name: 'no path normalisation', rule: allow({ httpMatch: { paths: [{ prefix: '/public' }] } }), req: { path: '/public/../admin' }, expect: 0 },
  { name: 'no percent decoding', rule: allow({ httpMatch: { paths: [{ exact: '/a/b' }] } }), req: { path: '/a%2Fb' }, expect: 7, clause: 'httpMatch.paths' },
  { name: 'path not starting with / => INVALID_ARGUMENT', rule: allow({ httpMatch: { paths: [{ prefix: '/' }] } }), req: { path: 'a' }, expect: 3 },
  { name: 'absent http with path rule => INVALID_ARGUMENT', rule: allow({ httpMatch: { paths: [{ prefix: '/' }] } }), req: { http: false }, expect: 3 },
  { name: 'bad path beats a protocol mismatch', rule: allow({ protocol: { name: 'udp' }, httpMatch: { paths: [{ prefix: '/' }] } }), req: { path: '' }, expect: 3 },
  { name: 'bad path is not reached when methods fail', rule: allow({ httpMatch: { methods: ['POST'], paths: [{ prefix: '/' }] } }), req: { path: 'x' }, expect: 7 },
  {
    name: 'an earlier deny wins over a bad path',
    rules: [{ action: 'deny' }, allow({ httpMatch: { paths: [{ prefix: '/' }] } })],
    req: { path: 'x' },
    expect: 7,
  },
  { name: 'headers and host are ignored', rule: allow({ httpMatch: { methods: ['GET'] } }), expect: 0 },

  // --- protocol (§9 item 25) ---
  { name: 'protocol name case-insensitive', rule: allow({ protocol: { name: 'TCP' } }), expect: 0 },
  { name: 'protocol name mismatch', rule: allow({ protocol: { name: 'udp' } }), expect: 7, clause: 'protocol' },
  { name: 'protocol udp', rule: allow({ protocol: { name: 'udp' } }), req: { destination: { protocol: 'UDP' } }, expect: 0 },
  { name: 'protocol number 6 is tcp', rule: allow({ protocol: { number: 6 } }), expect: 0 },
  { name: 'protocol number 17 never matches UDP', rule: allow({ protocol: { number: 17 } }), req: { destination: { protocol: 'UDP' } }, expect: 7 },
  { name: 'notProtocol number 17 excludes nothing', rule: allow({ notProtocol: { number: 17 } }), req: { destination: { protocol: 'UDP' } }, expect: 0 },
  { name: 'notProtocol tcp excludes', rule: allow({ notProtocol: { name: 'tcp' } }), expect: 7, clause: 'notProtocol' },
  { name: 'empty protocol {} never matches', rule: allow({ protocol: {} }), expect: 7 },

  // --- actions (§9 item 8) ---
  { name: 'actions are case-insensitive (Allow)', rule: { action: 'Allow' }, expect: 0 },
  { name: 'actions are case-insensitive (DENY)', rules: [{ action: 'DENY' }, { action: 'allow' }], expect: 7 },
  { name: 'log rules are skipped', rules: [{ action: 'log' }, { action: 'allow' }], expect: 0 },
  { name: 'unknown action: real crashes, INTERNAL', rule: { action: 'frobnicate' }, expect: 13 },
  { name: 'empty action: real crashes, INTERNAL', rule: { action: '' }, expect: 13 },
  { name: 'unknown action of a non-matching rule is harmless', rules: [{ action: 'bad', srcNet: ['1.2.3.4/32'] }, { action: 'allow' }], expect: 0 },
  { name: 'pass without profiles denies', rule: { action: 'pass' }, expect: 7 },
  { name: 'next-tier without profiles denies', rule: { action: 'next-tier' }, expect: 7 },
];


/** The policy-sync messages that make the store of a case. */
export function caseMessages(c: Case): ToDataplane[] {
  const rules = c.rules ?? [c.rule ?? { action: 'allow' }];
  return [...(c.extra ?? []), policy('p', rules, { namespace: c.policyNamespace }), endpoint({ tiers: [{ ingress: ['p'] }] })];
}

export function expected(c: Case, compat: Compat): number | undefined {
  if (c.compat && !c.compat.includes(compat)) return undefined;
  return typeof c.expect === 'number' ? c.expect : c.expect[compat];
}

export { request };
