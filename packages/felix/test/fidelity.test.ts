// Independent fidelity audit of the policysync processor against spec-felix-policysync §2.5–§2.8 and
// spec-dikastes §2.2, driven by real calico snapshots. A simulated 2018 Dikastes store applies every
// message (replace semantics, crash on a delta for an unknown set) and checks Felix's ordering
// guarantees as it goes; after every snapshot its contents must equal what the spec says this client
// should hold, derived from the snapshot alone.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeDataplane, parseResources, type DataplaneState } from '@alpsim/calico';
import { IPSetType, type Policy, type Profile, type ToDataplane, type WorkloadEndpoint } from '@alpsim/proto';
import { deltaIPSetMessages, MAX_MEMBERS_PER_MESSAGE } from '../src/messages';
import { PolicySyncProcessor } from '../src/processor';
import { FelixServer } from '../src/server';
import { describe, ipSet, pod, policy, state, syncClient, tempDir } from './helpers';

const ALLOWED = new Set([
  'inSync', 'ipsetUpdate', 'ipsetDeltaUpdate', 'ipsetRemove', 'activeProfileUpdate', 'activeProfileRemove',
  'activePolicyUpdate', 'activePolicyRemove', 'workloadEndpointUpdate', 'workloadEndpointRemove',
  'serviceAccountUpdate', 'serviceAccountRemove', 'namespaceUpdate', 'namespaceRemove',
]);

function setIds(p: Policy | Profile): string[] {
  const out: string[] = [];
  for (const r of [...(p.inboundRules ?? []), ...(p.outboundRules ?? [])]) {
    for (const f of [r.srcIpSetIds, r.dstIpSetIds, r.notSrcIpSetIds, r.notDstIpSetIds, r.srcNamedPortIpSetIds, r.dstNamedPortIpSetIds, r.notSrcNamedPortIpSetIds, r.notDstNamedPortIpSetIds]) out.push(...(f ?? []));
  }
  return out;
}
function wepPolicies(wep: WorkloadEndpoint): string[] {
  const out = new Set<string>();
  for (const tier of wep.tiers ?? []) for (const n of [...(tier.ingressPolicies ?? []), ...(tier.egressPolicies ?? [])]) out.add(`${tier.name}|${n}`);
  return [...out];
}

/** A 2018 Dikastes policy store (spec-dikastes §2.2) that also asserts Felix's ordering guarantees (§2.7). */
class DikastesStore {
  ipSets = new Map<string, { type: number; members: Set<string> }>();
  policies = new Map<string, Policy>();
  profiles = new Map<string, Profile>();
  endpoint: WorkloadEndpoint | undefined;
  sas = new Map<string, Record<string, string>>();
  nss = new Map<string, Record<string, string>>();
  inSync = 0;
  ended = false;
  violations: string[] = [];

  apply(m: ToDataplane): void {
    const kind = Object.keys(m).find((k) => (m as any)[k] !== undefined && k !== 'sequenceNumber')!;
    if (!ALLOWED.has(kind)) this.violations.push(`payload ${kind} would crash Dikastes`);
    if (m.sequenceNumber) this.violations.push('sequence_number set');
    const held = (id: string) => this.ipSets.has(id);
    switch (kind) {
      case 'inSync':
        this.inSync++;
        break;
      case 'ipsetUpdate': {
        const u = m.ipsetUpdate!;
        if (u.members!.length > MAX_MEMBERS_PER_MESSAGE) this.violations.push('oversized IPSetUpdate');
        this.ipSets.set(u.id!, { type: Number(u.type ?? 0), members: new Set(u.members) });
        break;
      }
      case 'ipsetDeltaUpdate': {
        const d = m.ipsetDeltaUpdate!;
        const s = this.ipSets.get(d.id!);
        if (!s) {
          this.violations.push(`delta for unknown set ${d.id} (Dikastes panics)`);
          break;
        }
        if ((d.addedMembers?.length ?? 0) + (d.removedMembers?.length ?? 0) > MAX_MEMBERS_PER_MESSAGE) this.violations.push('oversized delta');
        for (const a of d.addedMembers ?? []) s.members.add(a);
        for (const r of d.removedMembers ?? []) s.members.delete(r);
        break;
      }
      case 'ipsetRemove': {
        const id = m.ipsetRemove!.id!;
        for (const [k, p] of [...this.policies, ...this.profiles]) if (setIds(p).includes(id)) this.violations.push(`IP set ${id} removed while ${k} still uses it`);
        this.ipSets.delete(id);
        break;
      }
      case 'activePolicyUpdate': {
        const u = m.activePolicyUpdate!;
        for (const id of setIds(u.policy!)) if (!held(id)) this.violations.push(`policy ${u.id!.name} before its IP set ${id}`);
        this.policies.set(`${u.id!.tier}|${u.id!.name}`, u.policy!);
        break;
      }
      case 'activePolicyRemove': {
        const k = `${m.activePolicyRemove!.id!.tier}|${m.activePolicyRemove!.id!.name}`;
        if (this.endpoint && wepPolicies(this.endpoint).includes(k)) this.violations.push(`policy ${k} removed before the WEP stopped using it`);
        this.policies.delete(k);
        break;
      }
      case 'activeProfileUpdate': {
        const u = m.activeProfileUpdate!;
        for (const id of setIds(u.profile!)) if (!held(id)) this.violations.push(`profile ${u.id!.name} before its IP set ${id}`);
        this.profiles.set(u.id!.name!, u.profile!);
        break;
      }
      case 'activeProfileRemove': {
        const n = m.activeProfileRemove!.id!.name!;
        if (this.endpoint?.profileIds?.includes(n)) this.violations.push(`profile ${n} removed before the WEP stopped using it`);
        this.profiles.delete(n);
        break;
      }
      case 'workloadEndpointUpdate': {
        const wep = m.workloadEndpointUpdate!.endpoint!;
        for (const k of wepPolicies(wep)) if (!this.policies.has(k)) this.violations.push(`WEP before policy ${k}`);
        for (const n of wep.profileIds ?? []) if (!this.profiles.has(n)) this.violations.push(`WEP before profile ${n}`);
        this.endpoint = wep;
        break;
      }
      case 'workloadEndpointRemove':
        this.endpoint = undefined;
        break;
      case 'serviceAccountUpdate': {
        const u = m.serviceAccountUpdate!;
        this.sas.set(`${u.id!.namespace}/${u.id!.name}`, { ...u.labels });
        break;
      }
      case 'serviceAccountRemove':
        this.sas.delete(`${m.serviceAccountRemove!.id!.namespace}/${m.serviceAccountRemove!.id!.name}`);
        break;
      case 'namespaceUpdate':
        this.nss.set(m.namespaceUpdate!.id!.name!, { ...m.namespaceUpdate!.labels });
        break;
      case 'namespaceRemove':
        this.nss.delete(m.namespaceRemove!.id!.name!);
        break;
    }
  }

  /** Plain view for comparison. */
  view() {
    const sortObj = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort());
    return {
      endpoint: this.endpoint ? JSON.stringify(this.endpoint) : undefined,
      policies: Object.fromEntries([...this.policies].sort().map(([k, p]) => [k, JSON.stringify(p)])),
      profiles: Object.fromEntries([...this.profiles].sort().map(([k, p]) => [k, JSON.stringify(p)])),
      ipSets: Object.fromEntries([...this.ipSets].sort().map(([k, s]) => [k, { type: s.type, members: [...s.members].sort() }])),
      sas: Object.fromEntries([...this.sas].sort().map(([k, l]) => [k, sortObj(l)])),
      nss: Object.fromEntries([...this.nss].sort().map(([k, l]) => [k, sortObj(l)])),
    };
  }
}

/** What the spec says a client for `key` holds once Felix has flushed `s` (§2.5): derived from the snapshot only. */
function expectedView(s: DataplaneState, key: string) {
  const sortObj = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort());
  const ep = s.endpoints.get(key);
  const policies: Record<string, string> = {};
  const profiles: Record<string, string> = {};
  const ipSets: Record<string, { type: number; members: string[] }> = {};
  if (ep) {
    for (const k of wepPolicies(ep.endpoint)) {
      const p = s.policies.get(k)!;
      policies[k] = JSON.stringify(p.policy);
      for (const id of setIds(p.policy)) ipSets[id] = { type: s.ipSets.get(id)!.type, members: [...s.ipSets.get(id)!.members].sort() };
    }
    for (const n of ep.endpoint.profileIds ?? []) {
      const p = s.profiles.get(n);
      if (!p) continue;
      profiles[n] = JSON.stringify(p.profile);
      for (const id of setIds(p.profile)) ipSets[id] = { type: s.ipSets.get(id)!.type, members: [...s.ipSets.get(id)!.members].sort() };
    }
  }
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    endpoint: ep ? JSON.stringify(ep.endpoint) : undefined,
    policies: sorted(policies),
    profiles: sorted(profiles),
    ipSets: sorted(ipSets),
    sas: Object.fromEntries([...s.serviceAccounts.values()].map((sa) => [`${sa.id.namespace}/${sa.id.name}`, sortObj(sa.labels)] as const).sort()),
    nss: Object.fromEntries([...s.namespaces.values()].map((n) => [n.id.name!, sortObj(n.labels)] as const).sort()),
  };
}

const NS = (labels: string) => `apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: ${labels}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev, labels: {env: dev}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: prod, labels: {role: api}}
`;
const POD = (ns: string, name: string, ip: string, labels: string, sa = 'default') => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${labels}}
spec:
  serviceAccountName: ${sa}
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
status: {podIP: ${ip}}
`;
const DB_POLICY = (from: string) => `---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {namespaceSelector: "${from}"}
    destination: {ports: [http, 5432]}
  - action: Allow
    source: {serviceAccounts: {names: [api]}}
`;
const WEB_POLICY = `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: web}
spec:
  selector: app == 'web'
  ingress:
  - action: Allow
    source: {selector: "app == 'db'"}
    http: {methods: [GET]}
  egress:
  - action: Allow
    destination: {selector: "app == 'db'"}
`;

function snapshot(yaml: string): DataplaneState {
  return computeDataplane(parseResources(yaml, 'f.yaml', { compat: '3.2' }), { compat: '3.2' });
}

t.test('§2.5–2.8 end to end: every client holds exactly its spec view after each snapshot, in a legal order', async (t) => {
  const steps: [string, string][] = [
    ['initial', NS('{env: prod}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + POD('dev', 'tool', '10.0.1.1', '{app: tool}') + DB_POLICY("env == 'prod'") + WEB_POLICY],
    ['a second web pod (IP-set deltas)', NS('{env: prod}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'web2', '10.0.0.3', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + POD('dev', 'tool', '10.0.1.1', '{app: tool}') + DB_POLICY("env == 'prod'") + WEB_POLICY],
    ['db policy switches namespaces (new sets, old removed)', NS('{env: prod}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'web2', '10.0.0.3', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + POD('dev', 'tool', '10.0.1.1', '{app: tool}') + DB_POLICY("env == 'dev'") + WEB_POLICY],
    ['namespace relabelled (broadcast + membership)', NS('{env: dev, team: a}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'web2', '10.0.0.3', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + POD('dev', 'tool', '10.0.1.1', '{app: tool}') + DB_POLICY("env == 'dev'") + WEB_POLICY],
    ['web pod relabelled away from its policy (WEP, policy remove, set removes)', NS('{env: dev, team: a}') + POD('prod', 'web', '10.0.0.1', '{app: other}', 'api') + POD('prod', 'web2', '10.0.0.3', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + POD('dev', 'tool', '10.0.1.1', '{app: tool}') + DB_POLICY("env == 'dev'") + WEB_POLICY],
    ['policies deleted', NS('{env: dev, team: a}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'web2', '10.0.0.3', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + POD('dev', 'tool', '10.0.1.1', '{app: tool}')],
    ['policies back (full resend of sets the clients dropped)', NS('{env: prod}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'web2', '10.0.0.3', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + POD('dev', 'tool', '10.0.1.1', '{app: tool}') + DB_POLICY("env == 'prod'") + WEB_POLICY],
    ['db pod deleted (remove, stream ends)', NS('{env: prod}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'web2', '10.0.0.3', '{app: web}', 'api') + POD('dev', 'tool', '10.0.1.1', '{app: tool}') + DB_POLICY("env == 'prod'") + WEB_POLICY],
  ];
  const keys = ['prod/web', 'prod/db', 'dev/tool', 'prod/late'];
  const p = new PolicySyncProcessor();
  const stores = new Map<string, DikastesStore>();
  for (const key of keys.slice(0, 3)) {
    const store = new DikastesStore();
    stores.set(key, store);
    p.join(key, { send: (m) => store.apply(m), end: () => (store.ended = true) });
  }
  for (const store of stores.values()) t.same(store.view().policies, {}, 'nothing before Felix is in sync');

  let sawDelta = false;
  let sawResend = false;
  for (const [i, [label, yaml]] of steps.entries()) {
    const s = snapshot(yaml);
    const log = new Map<string, string[]>();
    for (const [key, store] of stores) {
      const orig = store.apply.bind(store);
      log.set(key, []);
      store.apply = (m) => {
        log.get(key)!.push(describe(m));
        orig(m);
      };
    }
    p.setState(s);
    for (const [key, store] of stores) {
      t.same(store.violations, [], `${label}: ${key}: ordering`);
      if (store.ended) continue;
      t.same(store.view(), expectedView(s, key), `${label}: ${key}: holds its spec view`);
      t.equal(store.inSync, 1, `${label}: ${key}: exactly one InSync`);
      if (log.get(key)!.some((d) => d.startsWith('ipsetDeltaUpdate'))) sawDelta = true;
      if (i === 6 && log.get(key)!.some((d) => d.startsWith('ipsetUpdate'))) sawResend = true;
    }
    if (i === steps.length - 1) {
      t.ok(stores.get('prod/db')!.ended, 'db stream ended after its WEP removal');
      t.same(log.get('prod/db')!.slice(-1), ['workloadEndpointRemove:prod/db'], 'the remove is the last message');
      t.same(p.connectedWorkloads().sort(), ['dev/tool', 'prod/late', 'prod/web'], 'the late joiner from the previous step is still connected');
    }
    // A fresh client joining now gets the same view (full snapshot).
    const fresh = new DikastesStore();
    p.join('prod/late', { send: (m) => fresh.apply(m), end: () => undefined });
    t.same(fresh.violations, [], `${label}: late joiner ordering`);
    t.same(fresh.view(), expectedView(s, 'prod/late'), `${label}: late joiner (no endpoint) gets SAs, namespaces`);
    const web = new DikastesStore();
    const seq: string[] = [];
    const conn = p.join('prod/web2', { send: (m) => (seq.push(describe(m)), web.apply(m)), end: () => undefined });
    t.same(web.view(), expectedView(s, 'prod/web2'), `${label}: joiner web2 gets its full view`);
    t.same(web.violations, []);
    // Join order by category (§2.6): IP sets, policies, profiles, WEP, SAs, namespaces, InSync.
    const rank = (d: string) => ['ipsetUpdate', 'ipsetDeltaUpdate', 'activePolicyUpdate', 'activeProfileUpdate', 'workloadEndpointUpdate', 'serviceAccountUpdate', 'namespaceUpdate', 'inSync'].indexOf(d.split(':')[0]);
    const ranks = seq.map(rank);
    t.ok(ranks.every((r, j) => r >= 0 && (j === 0 || r >= ranks[j - 1] || (ranks[j - 1] === 1 && r === 0))), `${label}: join categories in order: ${seq.join(', ')}`);
    t.equal(seq[seq.length - 1], 'inSync');
    p.leave(conn);
  }
  t.ok(sawDelta, 'membership changes travelled as deltas');
  t.ok(sawResend, 're-added sets were sent in full again');
});

t.test('§2.6 policies in tier order: ingress list first, then egress-only extras; profiles in profile_ids order', async (t) => {
  const s = state({
    ipSets: [],
    policies: [policy('default.a'), policy('default.b'), policy('default.c'), policy('default.e')],
    profiles: [],
    pods: [],
  });
  const wep = pod({ key: 'ns/p', ip: '10.0.0.1', policies: ['default.c', 'default.a'], egress: ['default.e', 'default.a', 'default.b'], profiles: [] });
  s.endpoints.set('ns/p', wep);
  s.profiles.set('ksa.ns.z', { id: { name: 'ksa.ns.z' }, profile: {}, labels: {}, ipSetIds: [] });
  s.profiles.set('kns.ns', { id: { name: 'kns.ns' }, profile: {}, labels: {}, ipSetIds: [] });
  wep.endpoint.profileIds = ['kns.ns', 'ksa.ns.z'];
  const p = new PolicySyncProcessor();
  p.setState(s);
  const seq: string[] = [];
  p.join('ns/p', { send: (m) => seq.push(describe(m)), end: () => undefined });
  t.same(seq, [
    'activePolicyUpdate:default.c',
    'activePolicyUpdate:default.a',
    'activePolicyUpdate:default.e',
    'activePolicyUpdate:default.b',
    'activeProfileUpdate:kns.ns',
    'activeProfileUpdate:ksa.ns.z',
    'workloadEndpointUpdate:ns/p',
    'inSync',
  ]);
});

t.test('§2.8 split boundary: exactly 82 200 members is one message, 82 201 is two', async (t) => {
  for (const [n, expected] of [[MAX_MEMBERS_PER_MESSAGE, ['ipsetUpdate:s:x']], [MAX_MEMBERS_PER_MESSAGE + 1, ['ipsetUpdate:s:x', 'ipsetDeltaUpdate:s:x']]] as const) {
    const members = Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    const s = state({ ipSets: [ipSet('s:x', members)], policies: [policy('default.x', ['s:x'])], pods: [pod({ key: 'ns/a', ip: '10.9.9.9', policies: ['default.x'], profiles: [] })] });
    const p = new PolicySyncProcessor();
    p.setState(s);
    const msgs: ToDataplane[] = [];
    p.join('ns/a', { send: (m) => msgs.push(m), end: () => undefined });
    t.same(msgs.filter((m) => m.ipsetUpdate || m.ipsetDeltaUpdate).map(describe), expected, `${n} members`);
    if (n > MAX_MEMBERS_PER_MESSAGE) {
      t.equal(msgs[0].ipsetUpdate!.members!.length, MAX_MEMBERS_PER_MESSAGE);
      t.same(msgs[1].ipsetDeltaUpdate!.addedMembers!.length, 1);
      t.same(msgs[1].ipsetDeltaUpdate!.removedMembers ?? [], []);
    }
  }
});

t.test('§2.8 large deltas: whole removal chunks, taken from the end, only when they fit beside the adds', async (t) => {
  const M = MAX_MEMBERS_PER_MESSAGE;
  const list = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  const shape = (msgs: ToDataplane[]) => msgs.map((m) => [m.ipsetDeltaUpdate!.addedMembers!.length, m.ipsetDeltaUpdate!.removedMembers!.length]);
  t.same(shape(deltaIPSetMessages('s', list(50000, 'a'), list(50000, 'r'))), [[50000, 0], [0, 50000]], 'no partial removal chunk');
  t.same(shape(deltaIPSetMessages('s', list(M + 10, 'a'), list(50, 'r'))), [[M, 0], [10, 50]]);
  t.same(shape(deltaIPSetMessages('s', [], list(5, 'r'))), [[0, 5]]);
  t.same(shape(deltaIPSetMessages('s', list(5, 'a'), [])), [[5, 0]]);
  t.same(shape(deltaIPSetMessages('s', list(2 * M, 'a'), [])), [[M, 0], [M, 0]]);
  const removed = list(M + 10, 'r');
  const msgs = deltaIPSetMessages('s', list(10, 'a'), removed);
  t.same(shape(msgs), [[10, 10], [0, M]]);
  t.same(msgs[0].ipsetDeltaUpdate!.removedMembers, removed.slice(M), 'the last (partial) chunk goes first');
  t.same(msgs[1].ipsetDeltaUpdate!.removedMembers, removed.slice(0, M));
});

t.test('§2.8 IP-set members are canonical: NET CIDRs and IP_AND_PORT "<ip>,tcp:<port>"', async (t) => {
  const s = snapshot(NS('{env: prod}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + DB_POLICY("env == 'prod'"));
  const p = new PolicySyncProcessor();
  p.setState(s);
  const msgs: ToDataplane[] = [];
  p.join('prod/db', { send: (m) => msgs.push(m), end: () => undefined });
  const sets = msgs.filter((m) => m.ipsetUpdate).map((m) => m.ipsetUpdate!);
  const named = sets.find((x) => x.type === IPSetType.IP_AND_PORT)!;
  t.same(named.members, ['10.0.0.1,tcp:8080', '10.0.0.2,tcp:8080'], 'pods in env=prod namespace exposing TCP "http"');
  const net = sets.filter((x) => (x.type ?? IPSetType.NET) === IPSetType.NET);
  t.ok(net.length >= 1);
  for (const x of net) for (const m of x.members ?? []) t.match(m, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
  const nsUpdates = msgs.filter((m) => m.namespaceUpdate).map((m) => m.namespaceUpdate!);
  t.same(nsUpdates.map((n) => [n.id!.name, n.labels]), [['dev', { env: 'dev' }], ['prod', { env: 'prod' }]], 'labels un-prefixed, every namespace');
  t.same(msgs.filter((m) => m.serviceAccountUpdate).map((m) => [m.serviceAccountUpdate!.id, m.serviceAccountUpdate!.labels]), [[{ namespace: 'prod', name: 'api' }, { role: 'api' }]]);
});

t.test('§2.10 over gRPC: a second connection ends the first with OK; WEP removal ends the stream with OK', async (t) => {
  const dir = tempDir();
  const felix = new FelixServer();
  t.teardown(async () => {
    await felix.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const yaml = NS('{env: prod}') + POD('prod', 'web', '10.0.0.1', '{app: web}', 'api') + POD('prod', 'db', '10.0.0.2', '{app: db}') + DB_POLICY("env == 'prod'") + WEB_POLICY;
  felix.setState(snapshot(yaml));
  const socket = path.join(dir, 's.sock');
  await felix.listenWorkload('prod/db', socket);
  const first = syncClient(socket);
  t.teardown(() => first.close());
  const firstMsgs = await first.waitForCount(1);
  t.ok(firstMsgs.length > 0);
  while (!first.messages.some((m) => m.inSync)) await new Promise((r) => setTimeout(r, 10));
  const joinLength = first.messages.length;
  const second = syncClient(socket);
  t.teardown(() => second.close());
  const st1 = await first.status;
  t.equal(st1.code, 0, 'first stream ends with OK');
  await second.waitForCount(joinLength);
  t.same(second.messages.slice(0, joinLength).map(describe), first.messages.slice(0, joinLength).map(describe), 'second gets a full snapshot');
  felix.setState(snapshot(yaml.replace(POD('prod', 'db', '10.0.0.2', '{app: db}'), '')));
  const st2 = await second.status;
  t.equal(st2.code, 0, 'stream ends OK after WorkloadEndpointRemove');
  t.equal(describe(second.messages[second.messages.length - 1]), 'workloadEndpointRemove:prod/db');
});
