// Differential audit against a deliberately naive reference checker written straight from the spec
// (§3.3-3.6, §3.5 multi-tier, §9): no compilation, no index, no pre-filter, its own address and
// prefix arithmetic (BigInt). Random stores and requests from small pools (so clauses hit), all
// compat levels, with and without explain. Any disagreement is a fidelity bug in one of the two.
import t from 'tap';
import * as net from 'node:net';
import type { CheckRequest, Peer, Rule, ToDataplane } from '@alpsim/proto';
import { tryParseSelector } from '@alpsim/selector';
import { PolicyStore, evaluateCheck, type Compat } from '../src/index';

let seed = 424242;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const maybe = (p: number) => rnd() < p;

// ---- reference address arithmetic -----------------------------------------------------------
interface Addr { v: 4 | 6; n: bigint }
function expand6(s: string): bigint | undefined {
  if (!net.isIPv6(s)) return undefined;
  let text = s;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const o = v4tail[1].split('.').map(Number);
    text = text.slice(0, -v4tail[1].length) + ((o[0] << 8) | o[1]).toString(16) + ':' + ((o[2] << 8) | o[3]).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const tl = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
function addr(s: string): Addr | undefined {
  if (net.isIPv4(s)) return { v: 4, n: s.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) };
  const n = expand6(s);
  if (n === undefined) return undefined;
  if (n >> 32n === 0xffffn) return { v: 4, n: n & 0xffffffffn }; // IPv4-mapped => IPv4 (Go To4)
  return { v: 6, n };
}
const bits = (a: Addr) => (a.v === 4 ? 32 : 128);
const masked = (n: bigint, len: number, width: number) => (len === 0 ? 0n : (n >> BigInt(width - len)) << BigInt(width - len));
/** Go net.ParseCIDR + IPNet.Contains, for the pool's CIDRs. */
function netContains(cidr: string, a: Addr): boolean | 'bad' {
  const m = /^([^/]+)\/(\d+)$/.exec(cidr);
  if (!m) return 'bad';
  const len = Number(m[2]);
  const written4 = net.isIPv4(m[1]);
  const raw = written4 ? addr(m[1]) : expand6(m[1]) !== undefined ? { v: 6 as const, n: expand6(m[1])! } : undefined;
  if (!raw || len > (written4 ? 32 : 128)) return 'bad';
  let nv: Addr = { v: raw.v, n: masked(raw.n, len, raw.v === 4 ? 32 : 128) };
  let nlen = len;
  if (nv.v === 6 && nv.n >> 32n === 0xffffn) {
    nv = { v: 4, n: nv.n & 0xffffffffn };
    nlen = len - 96;
  }
  return nv.v === a.v && masked(a.n, nlen, bits(a)) === nv.n;
}

// ---- reference store ------------------------------------------------------------------------
type SetType = 'IP' | 'IP_AND_PORT' | 'NET';
interface RefSet { type: SetType; members: Set<string> }
/** NET member => canonical prefix key (the real set is a trie of prefixes). */
function netKey(m: string): { key: string; v: 4 | 6; n: bigint; len: number } {
  const [ip, l] = m.split('/');
  const a = addr(ip)!;
  const len = Number(l);
  if (a.v === 4 && len <= 32) return { key: `4/${masked(a.n, len, 32)}/${len}`, v: 4, n: masked(a.n, len, 32), len };
  const full = a.v === 4 ? (0xffffn << 32n) | a.n : a.n;
  return { key: `6/${masked(full, len, 128)}/${len}`, v: 6, n: masked(full, len, 128), len };
}
function setContains(s: RefSet, p: Peer | null | undefined): boolean {
  const sa = p?.address?.socketAddress;
  const address = sa?.address ?? '';
  if (s.type === 'IP') return s.members.has(address);
  if (s.type === 'IP_AND_PORT') return s.members.has(`${address},${sa?.protocol === 1 ? 'udp' : 'tcp'}:${sa?.portValue ?? 0}`);
  const a = addr(address);
  if (!a) return false;
  for (const m of s.members) {
    const k = netKey(m);
    const trieFinds = k.v === 4 ? k.len <= 24 || k.len === 32 : k.len <= 120 || k.len === 128;
    if (trieFinds && k.v === a.v && masked(a.n, k.len, bits(a)) === k.n) return true;
  }
  return false;
}
function applyNet(s: RefSet, add: string[], remove: string[]): void {
  const keys = new Map([...s.members].map((m) => [netKey(m).key, m]));
  for (const m of add) if (!keys.has(netKey(m).key)) keys.set(netKey(m).key, m);
  for (const m of remove) keys.delete(netKey(m).key);
  s.members = new Set(keys.values());
}

// ---- reference checker ----------------------------------------------------------------------
class Crash extends Error {}
class Invalid extends Error {}
const NO_MATCH = 'nomatch';
const SPIFFE = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/;

interface World {
  sets: Map<string, RefSet>;
  policies: Map<string, { rules: Rule[]; namespace: string }>;
  profiles: Map<string, Rule[]>;
  sas: Map<string, Record<string, string>>;
  nss: Map<string, Record<string, string>>;
  endpoint: { tiers: { name: string; ingress: string[]; defaultAction: string }[]; profiles: string[] } | null;
}
interface RefPeer { name: string; ns: string; labels: Record<string, string>; nsLabels: Record<string, string> }

function reference(w: World, req: CheckRequest, compat: Compat): number {
  if (!w.endpoint) return 7;
  const mk = (p: Peer | null | undefined): RefPeer | undefined => {
    const principal = p?.principal ?? '';
    let name = '';
    let ns = '';
    if (principal !== '' || compat === '3.2') {
      const m = SPIFFE.exec(principal);
      if (!m) return undefined;
      ns = m[1];
      name = m[2];
    }
    const labels = { ...(p?.labels ?? {}), ...(w.sas.get(`${ns}/${name}`) ?? {}) };
    return { name, ns, labels, nsLabels: w.nss.get(ns) ?? {} };
  };
  const src = mk(req.attributes?.source);
  const dst = mk(req.attributes?.destination);
  if (!src || !dst) return 7;
  const dialect = compat === '3.2' ? '2018' : 'modern';
  const sel = (text: string, labels: Record<string, string>) => {
    const s = tryParseSelector(text, { dialect });
    return s ? s.evaluate(labels) : false;
  };
  const getSet = (id: string) => {
    const s = w.sets.get(id);
    if (!s) throw new Crash();
    return s;
  };
  const side = (r: Rule, polNs: string, p: RefPeer, raw: Peer | null | undefined, isSrc: boolean): boolean => {
    const sa = isSrc ? r.srcServiceAccountMatch : r.dstServiceAccountMatch;
    const nsSel = (isSrc ? r.originalSrcNamespaceSelector : r.originalDstNamespaceSelector) ?? '';
    const podSel = (isSrc ? r.originalSrcSelector : r.originalDstSelector) ?? '';
    const notPodSel = (isSrc ? r.originalNotSrcSelector : r.originalNotDstSelector) ?? '';
    let nsNames: string[] = [];
    if (nsSel === '' && polNs !== '' && (podSel !== '' || notPodSel !== '' || (sa?.names ?? []).length > 0 || (sa?.selector ?? '') !== '')) nsNames = [polNs];
    if (sa && p.name !== '') {
      if ((sa.names ?? []).length > 0 && !sa.names!.includes(p.name)) return false;
      if (!sel(sa.selector ?? '', p.labels)) return false;
    }
    if (p.ns !== '') {
      if (nsNames.length > 0 && !nsNames.includes(p.ns)) return false;
      if (!sel(nsSel, p.nsLabels)) return false;
    }
    for (const id of (isSrc ? r.srcIpSetIds : r.dstIpSetIds) ?? []) if (!setContains(getSet(id), raw)) return false;
    for (const id of (isSrc ? r.notSrcIpSetIds : r.notDstIpSetIds) ?? []) if (setContains(getSet(id), raw)) return false;
    const ranges = (isSrc ? r.srcPorts : r.dstPorts) ?? [];
    const named = (isSrc ? r.srcNamedPortIpSetIds : r.dstNamedPortIpSetIds) ?? [];
    if (ranges.length > 0 || named.length > 0) {
      const port = (raw?.address?.socketAddress?.portValue ?? 0) | 0;
      if (!ranges.some((x) => (x.first ?? 0) <= port && port <= (x.last ?? 0)) && !named.some((id) => setContains(getSet(id), raw))) return false;
    }
    const nets = (isSrc ? r.srcNet : r.dstNet) ?? [];
    if (nets.length > 0) {
      const a = addr(raw?.address?.socketAddress?.address ?? '');
      if (!a) return false;
      let ok = false;
      for (const n of nets) {
        const c = netContains(n, a);
        if (c === 'bad') return false;
        if (c) {
          ok = true;
          break;
        }
      }
      if (!ok) return false;
    }
    return true;
  };
  const protoIs = (pr: NonNullable<Rule['protocol']>, reqProto: string): boolean => {
    if (pr.name) return pr.name.toLowerCase() === reqProto;
    return pr.number === 6 && reqProto === 'tcp';
  };
  const match = (r: Rule, polNs: string): boolean => {
    const a = req.attributes;
    if (!side(r, polNs, src, a?.source, true) || !side(r, polNs, dst, a?.destination, false)) return false;
    if (r.httpMatch) {
      const http = a?.request?.http;
      const methods = r.httpMatch.methods ?? [];
      if (methods.length > 0 && !methods.some((m) => m === '*' || m === (http?.method ?? ''))) return false;
      const paths = r.httpMatch.paths ?? [];
      if (paths.length > 0) {
        let path = http?.path ?? '';
        if (!path.startsWith('/')) throw new Invalid();
        path = path.split('?')[0].split('#')[0];
        if (!paths.some((p) => (p.exact !== undefined ? path === p.exact : p.prefix !== undefined ? path.startsWith(p.prefix) : false))) return false;
      }
    }
    if (!a?.destination) return false;
    const reqProto = a.destination.address?.socketAddress?.protocol === 1 ? 'udp' : 'tcp';
    if (r.protocol && !protoIs(r.protocol, reqProto)) return false;
    if (r.notProtocol && protoIs(r.notProtocol, reqProto)) return false;
    return true;
  };
  const rules = (list: Rule[], polNs: string): string => {
    for (const r of list) {
      if (!match(r, polNs)) continue;
      const act = ({ allow: 'allow', deny: 'deny', pass: 'pass', 'next-tier': 'pass', log: 'log' } as Record<string, string>)[(r.action ?? '').toLowerCase()];
      if (act === undefined) throw new Crash();
      if (act !== 'log') return act;
    }
    return NO_MATCH;
  };
  try {
    const ep = w.endpoint;
    const tiers = compat === '3.29' ? ep.tiers : ep.tiers.slice(0, 1);
    for (const tier of tiers) {
      if (compat === '3.29' && tier.ingress.length === 0) continue;
      let action = NO_MATCH;
      let passed = false;
      for (const name of tier.ingress) {
        const pol = w.policies.get(`${tier.name}/${name}`);
        if (!pol) {
          if (compat !== '3.29') throw new Crash();
          action = 'internal';
          continue;
        }
        action = rules(pol.rules, pol.namespace);
        if (action === 'allow') return 0;
        if (action === 'deny') return 7;
        if (action === 'pass') {
          passed = true;
          break;
        }
      }
      if (!passed && action === NO_MATCH && (compat !== '3.29' || tier.defaultAction !== 'Pass')) return 7;
    }
    if (ep.profiles.length === 0) return 7;
    for (const name of ep.profiles) {
      const prof = w.profiles.get(name);
      if (!prof) {
        if (compat !== '3.29') throw new Crash();
        continue;
      }
      const action = rules(prof, '');
      if (action === 'allow') return 0;
      if (action === 'deny' || action === 'pass') return 7;
    }
    return 7;
  } catch (e) {
    if (e instanceof Invalid) return 3;
    if (e instanceof Crash) return 13;
    throw e;
  }
}

// ---- random worlds --------------------------------------------------------------------------
const ADDRS = ['10.0.0.1', '10.0.0.7', '10.0.1.7', '10.1.0.1', '192.168.1.1', 'fd00::1', 'fd00::1:5', '::ffff:10.0.0.1', 'localhost', ''];
const NETS = ['10.0.0.0/8', '10.0.0.0/24', '10.0.0.1/32', '10.0.0.0/25', '192.168.0.0/16', 'fd00::/64', 'bogus', '0.0.0.0/0', '::/0', '::ffff:10.0.0.0/104', '10.0.0.0/008'];
const NET_MEMBERS = ['10.0.0.0/16', '10.0.0.7/24', '10.0.0.0/24', '10.0.0.0/25', '10.0.0.1/32', '10.0.1.7/32', '192.168.1.0/24', 'fd00::/120', 'fd00::/121', 'fd00::1/128', 'FD00::1:5/128', '::ffff:10.0.0.0/8'];
const SETS = ['net-a', 'net-b', 'ip-a', 'np-a', 'missing'];
const SELECTORS = ['', 'all()', "app == 'web'", "app != 'web'", 'has(tier)', '!has(app)', "tier in {'x','y'}", "app contains 'e'", "app starts with 'w'", 'not.a.real.selector', "env == 'prod'", "env not in {'prod'}"];
const PRINCIPALS = ['spiffe://cluster.local/ns/default/sa/client', 'spiffe://td/ns/other/sa/web', 'spiffe://cluster.local/ns/default/sa/client', '', 'spiffe://td/ns/a/sa/b/c'];

function randomRule(): Rule {
  const r: Rule = { action: pick(['allow', 'deny', 'pass', 'next-tier', 'log', 'Allow', 'DENY']) };
  if (maybe(0.02)) r.action = pick(['weird', '']);
  if (maybe(0.3)) r.srcNet = maybe(0.7) ? [pick(NETS)] : [pick(NETS), pick(NETS)];
  if (maybe(0.1)) r.dstNet = [pick(NETS)];
  if (maybe(0.25)) r.dstPorts = [pick([{ first: 8080, last: 8080 }, { first: 1, last: 100 }, { first: 0, last: 65535 }, { first: 0, last: 0 }])];
  if (maybe(0.1)) r.srcPorts = [pick([{ first: 40000, last: 40000 }, { first: 0, last: 0 }])];
  if (maybe(0.08)) r.dstNamedPortIpSetIds = [pick(['np-a', 'missing'])];
  if (maybe(0.25)) r.protocol = pick([{ name: 'tcp' }, { name: 'UDP' }, { number: 6 }, { number: 17 }, {}, { name: 'sctp' }]);
  if (maybe(0.1)) r.notProtocol = pick([{ name: 'udp' }, { number: 17 }, { number: 6 }]);
  if (maybe(0.25)) r.srcIpSetIds = maybe(0.8) ? [pick(SETS)] : [pick(SETS), pick(SETS)];
  if (maybe(0.1)) r.notSrcIpSetIds = [pick(SETS)];
  if (maybe(0.05)) r.dstIpSetIds = [pick(SETS)];
  if (maybe(0.2)) r.httpMatch = { methods: maybe(0.5) ? [pick(['GET', '*', 'get'])] : [], paths: maybe(0.5) ? [pick([{ prefix: '/a' }, { exact: '/x' }, {}])] : [] };
  if (maybe(0.2)) r.srcServiceAccountMatch = { names: maybe(0.6) ? [pick(['client', 'web', 'other'])] : [], selector: maybe(0.5) ? pick(SELECTORS) : '' };
  if (maybe(0.05)) r.dstServiceAccountMatch = { names: [pick(['server', 'x'])] };
  if (maybe(0.15)) r.originalSrcNamespaceSelector = pick(SELECTORS);
  if (maybe(0.1)) r.originalSrcSelector = pick(["app == 'x'", 'all()']);
  if (maybe(0.05)) r.originalNotSrcSelector = "app == 'y'";
  if (maybe(0.05)) r.originalDstSelector = 'all()';
  if (maybe(0.05)) r.notSrcNet = [pick(NETS)];
  return r;
}

function randomWorld(): { messages: ToDataplane[]; world: World } {
  const messages: ToDataplane[] = [];
  const world: World = { sets: new Map(), policies: new Map(), profiles: new Map(), sas: new Map(), nss: new Map(), endpoint: null };
  const setMembers = (n: number) => Array.from({ length: n }, () => pick(NET_MEMBERS));
  const sets: [string, SetType, string[]][] = [
    ['net-a', 'NET', setMembers(3)],
    ['net-b', 'NET', setMembers(2)],
    ['ip-a', 'IP', ['10.0.0.1', 'fd00::1', pick(ADDRS)]],
    ['np-a', 'IP_AND_PORT', ['10.0.0.2,tcp:8080', pick(['10.0.0.1,tcp:40000', '10.0.0.1,udp:40000'])]],
  ];
  if (maybe(0.5)) sets.push(['missing', 'NET', ['10.0.0.0/8']]);
  for (const [id, type, members] of sets) {
    messages.push({ ipsetUpdate: { id, type, members } });
    const s: RefSet = { type, members: new Set() };
    if (type === 'NET') applyNet(s, members, []);
    else s.members = new Set(members);
    world.sets.set(id, s);
  }
  if (maybe(0.5)) {
    const added = setMembers(1);
    const removed = setMembers(2);
    messages.push({ ipsetDeltaUpdate: { id: 'net-a', addedMembers: added, removedMembers: removed } });
    applyNet(world.sets.get('net-a')!, added, removed);
  }
  if (maybe(0.5)) {
    const labels: Record<string, string> = pick<Record<string, string>>([{ app: 'db' }, { tier: 'x' }, { app: 'web', tier: 'y' }]);
    messages.push({ serviceAccountUpdate: { id: { namespace: 'default', name: 'client' }, labels } });
    world.sas.set('default/client', labels);
  }
  if (maybe(0.5)) {
    const labels: Record<string, string> = pick<Record<string, string>>([{ env: 'prod' }, { env: 'dev', app: 'web' }, {}]);
    messages.push({ namespaceUpdate: { id: { name: 'default' }, labels } });
    world.nss.set('default', labels);
  }
  const profiles = ['pr1', 'pr2'];
  for (const name of profiles) {
    if (maybe(0.15)) continue; // missing profile
    const rules = Array.from({ length: 1 + Math.floor(rnd() * 3) }, randomRule);
    messages.push({ activeProfileUpdate: { id: { name }, profile: { inboundRules: rules } } });
    world.profiles.set(name, rules);
  }
  const tiers: { name: string; ingress: string[]; defaultAction: string }[] = [];
  const tierCount = 1 + Math.floor(rnd() * 2);
  for (let ti = 0; ti < tierCount; ti++) {
    const tier = { name: ti === 0 ? 'default' : `t${ti}`, ingress: [] as string[], defaultAction: pick(['', 'Deny', 'Pass']) };
    const count = Math.floor(rnd() * 3.4);
    for (let p = 0; p < count; p++) {
      const name = `p${ti}${p}`;
      tier.ingress.push(name);
      if (maybe(0.08)) continue; // missing policy
      const namespace = pick(['', '', 'default', 'other']);
      const rules = Array.from({ length: 1 + Math.floor(rnd() * 6) }, randomRule);
      messages.push({ activePolicyUpdate: { id: { tier: tier.name, name }, policy: { inboundRules: rules, namespace } } });
      world.policies.set(`${tier.name}/${name}`, { rules, namespace });
    }
    tiers.push(tier);
  }
  const endpointProfiles = maybe(0.15) ? [] : profiles.slice(0, 1 + Math.floor(rnd() * 2));
  if (maybe(0.97)) {
    messages.push({
      workloadEndpointUpdate: {
        id: { workloadId: 'default/pod' },
        endpoint: { profileIds: endpointProfiles, tiers: tiers.map((x) => ({ name: x.name, ingressPolicies: x.ingress, defaultAction: x.defaultAction })) },
      },
    });
    world.endpoint = { tiers, profiles: endpointProfiles };
  }
  return { messages, world };
}

function randomRequest(): CheckRequest {
  const peer = (principal: string, address: string, port: number, protocol: number): Peer => {
    const p: Peer = { principal };
    if (maybe(0.3)) p.labels = pick<Record<string, string>>([{ app: 'web' }, { app: 'api', tier: 'x' }, { env: 'prod' }]);
    if (maybe(0.05)) p.address = { pipe: { path: '/x' } };
    else if (maybe(0.95)) p.address = { socketAddress: { address, portValue: port, protocol } };
    return p;
  };
  const attributes: NonNullable<CheckRequest['attributes']> = {};
  if (maybe(0.97)) attributes.source = peer(pick(PRINCIPALS), pick(ADDRS), pick([40000, 0, 8080]), maybe(0.1) ? 1 : 0);
  if (maybe(0.9)) attributes.destination = peer(pick(['spiffe://cluster.local/ns/default/sa/server', 'spiffe://cluster.local/ns/default/sa/server', '']), pick(['10.0.0.2', '10.0.0.1']), pick([8080, 80, 0]), maybe(0.15) ? 1 : 0);
  if (maybe(0.85)) attributes.request = { http: { method: pick(['GET', 'POST', '']), path: pick(['/a/b', '/x', 'bad', '/a?q', '/x#f', '']) } };
  return { attributes };
}

t.test('engine agrees with the naive reference checker on random stores and requests', async (t) => {
  const COMPATS: Compat[] = ['3.2', '3.28', '3.29'];
  let compared = 0;
  const failures: string[] = [];
  const seen = new Map<number, number>();
  for (let i = 0; i < 1500; i++) {
    const { messages, world } = randomWorld();
    const store = PolicyStore.from(messages).store;
    for (let j = 0; j < 8; j++) {
      const req = randomRequest();
      for (const compat of COMPATS) {
        const want = reference(world, req, compat);
        const exact = evaluateCheck(store, req, { compat, explain: true }).code;
        const fast = evaluateCheck(store, req, { compat }).code;
        compared++;
        seen.set(want, (seen.get(want) ?? 0) + 1);
        if (exact !== want || fast !== want) {
          if (failures.length < 10) failures.push(`[${compat}] ref=${want} exact=${exact} fast=${fast}\nstore=${JSON.stringify(messages)}\nreq=${JSON.stringify(req)}`);
        }
      }
    }
  }
  t.same(failures, [], `${compared} comparisons`);
  // The pools must reach every kind of verdict, or the comparison says little.
  for (const code of [0, 3, 7, 13]) t.ok((seen.get(code) ?? 0) > 100, `code ${code} reached ${seen.get(code) ?? 0} times`);
});
