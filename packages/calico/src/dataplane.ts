// computeDataplane: what Felix's calculation graph derives from a set of resources (spec §3), for a
// single node hosting every pod: endpoints, active policies/profiles, IP sets with members,
// namespace / service-account label records.
import { createHash } from 'node:crypto';
import { type Policy, type TierInfo, type WorkloadEndpoint } from '@alpsim/proto';
import { k8sNetworkPolicyToCalicoSpec } from './knp';
import { canonicalCidr, canonicalIP, hostCidr, parseIP } from './net';
import { convertProfile, convertRules, ipSetIdsOfRules, type IPSetDef } from './rules';
import { selector, type Selector } from './selectors';
import {
  DEFAULT_COMPAT,
  policyKey,
  type Compat,
  type DataplaneState,
  type IPSetInfo,
  type LoadedResource,
  type NamespaceInfo,
  type PolicyInfo,
  type ProfileInfo,
  type ServiceAccountInfo,
  type TierState,
  type WorkloadInfo,
} from './types';
import { expandPods, IPAllocator } from './workloads';

export interface ComputeDataplaneOptions {
  compat?: Compat;
  /** Sticky pod-IP allocator (a ResourceSet passes its own); default: a fresh one. */
  allocator?: IPAllocator;
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const BUILTIN_TIERS: TierState[] = [
  { name: 'kube-admin', order: 1000, defaultAction: 'Pass' },
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
];

const LABEL_NAMESPACE = 'projectcalico.org/namespace';
const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
const LABEL_SERVICEACCOUNT = 'projectcalico.org/serviceaccount';
const LABEL_NAME = 'projectcalico.org/name';

/** Felix's host-side interface name for a k8s pod: cali + first 11 hex of SHA-1("<ns>.<pod>"). */
export function interfaceName(namespace: string, pod: string): string {
  return 'cali' + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11);
}

/** Sort: order ascending, missing last, tie by name byte-wise. */
function compareOrdered(a: { order?: number; name: string }, b: { order?: number; name: string }): number {
  const ao = a.order ?? Infinity;
  const bo = b.order ?? Infinity;
  if (ao !== bo) return ao < bo ? -1 : 1;
  const an = Buffer.from(a.name);
  const bn = Buffer.from(b.name);
  return Buffer.compare(an, bn);
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function prefixed(labels: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[prefix + k] = v;
  return out;
}

function jsonList(v: string | undefined): string[] {
  if (!v) return [];
  try {
    const parsed = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** 1:1 NAT from the `cni.projectcalico.org/floatingIPs` annotation (paired with the pod IP of that family). */
function addNat(endpoint: WorkloadEndpoint, annotations: Record<string, string>, ips: string[]): void {
  for (const ext of jsonList(annotations['cni.projectcalico.org/floatingIPs'])) {
    const e = parseIP(ext);
    if (!e) continue;
    const internal = ips.find((ip) => parseIP(ip)?.version === e.version);
    if (!internal) continue;
    const nat = { extIp: canonicalIP(ext)!, intIp: canonicalIP(internal)! };
    if (e.version === 4) (endpoint.ipv4Nat ??= []).push(nat);
    else (endpoint.ipv6Nat ??= []).push(nat);
  }
}

interface PolicyModel {
  name: string; // stored PolicyID.name
  matcher: Selector;
  tier: string;
  namespace: string;
  order?: number;
  ingress: boolean;
  egress: boolean;
  selector: string;
  originalSelector: string;
  spec: Record<string, any>;
}

/** Stored (Felix-visible) name of a Calico policy (`default.` prefix rules, §3.1). */
export function storedPolicyName(name: string, tier: string): string {
  if (name.startsWith('knp.') || name.startsWith('ossg.')) return name;
  if (tier !== 'default') return name; // already `<tier>.<name>` (validated)
  if (name.startsWith('default.')) return name;
  return `default.${name}`;
}

/** Types after clientv3 defaulting. */
export function defaultedTypes(spec: Record<string, any>): { ingress: boolean; egress: boolean } {
  const types: unknown[] = Array.isArray(spec.types) ? spec.types : [];
  if (types.length) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  const hasEgress = Array.isArray(spec.egress) && spec.egress.length > 0;
  const hasIngress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  if (hasEgress && !hasIngress) return { ingress: false, egress: true };
  if (hasEgress && hasIngress) return { ingress: true, egress: true };
  return { ingress: true, egress: false };
}

/** Policy-level selector rewriting (§3.5). */
export function policySelector(kind: 'NetworkPolicy' | 'GlobalNetworkPolicy', namespace: string, spec: Record<string, any>, compat: Compat): string {
  const sel = typeof spec.selector === 'string' ? spec.selector.trim() : '';
  const parts: string[] = [];
  if (kind === 'NetworkPolicy') parts.push(sel ? `(${sel}) && ${LABEL_NAMESPACE} == '${namespace}'` : `${LABEL_NAMESPACE} == '${namespace}'`);
  else parts.push(sel);
  if (compat !== '3.2') {
    if (kind === 'GlobalNetworkPolicy' && typeof spec.namespaceSelector === 'string' && spec.namespaceSelector.trim()) {
      parts.push(selector(spec.namespaceSelector, compat).mapLabels((k) => 'pcns.' + k).canonical.split('all()').join(`has(${LABEL_NAMESPACE})`));
    }
    if (typeof spec.serviceAccountSelector === 'string' && spec.serviceAccountSelector.trim()) {
      parts.push(selector(spec.serviceAccountSelector, compat).mapLabels((k) => 'pcsa.' + k).canonical.split('all()').join(`has(${LABEL_SERVICEACCOUNT})`));
    }
  }
  const nonEmpty = parts.filter((p) => p !== '');
  if (nonEmpty.length === 0) return 'all()';
  if (nonEmpty.length === 1) return nonEmpty[0];
  return nonEmpty.map((p) => `(${p})`).join(' && ');
}

export function computeDataplane(resources: readonly LoadedResource[], opts: ComputeDataplaneOptions = {}): DataplaneState {
  const compat = opts.compat ?? DEFAULT_COMPAT;
  const modernLabels = compat !== '3.2';
  const allocator = opts.allocator ?? new IPAllocator();

  // ---- namespaces and service accounts (declared + implied, as a cluster would have them) ----
  const nsLabels = new Map<string, Record<string, string>>();
  const saLabels = new Map<string, { namespace: string; name: string; labels: Record<string, string> }>();
  const ensureNs = (ns: string) => {
    if (!nsLabels.has(ns)) nsLabels.set(ns, {});
  };
  const ensureSa = (ns: string, name: string) => {
    ensureNs(ns);
    const k = `${ns}/${name}`;
    if (!saLabels.has(k)) saLabels.set(k, { namespace: ns, name, labels: {} });
  };
  for (const r of resources) if (r.kind === 'Namespace') nsLabels.set(r.name, stringMap(r.object.metadata?.labels));
  for (const r of resources) if (r.namespace) ensureNs(r.namespace);
  if (modernLabels) {
    // Kubernetes >= 1.21 (the clusters Calico 3.28+ runs on) labels every namespace with its name.
    for (const [ns, labels] of nsLabels) nsLabels.set(ns, { ...labels, 'kubernetes.io/metadata.name': ns });
  }
  for (const r of resources) if (r.kind === 'ServiceAccount') saLabels.set(`${r.namespace}/${r.name}`, { namespace: r.namespace, name: r.name, labels: stringMap(r.object.metadata?.labels) });
  for (const ns of nsLabels.keys()) ensureSa(ns, 'default'); // the token controller creates it

  const pods = expandPods([...resources]);
  for (const p of pods) ensureSa(p.namespace, p.serviceAccount);

  // ---- profiles: generated kns./ksa., then v3 Profile resources (override by name) ----
  interface ProfileModel { name: string; labels: Record<string, string>; ingress: unknown; egress: unknown }
  const profileModels = new Map<string, ProfileModel>();
  for (const [ns, labels] of nsLabels) {
    const l = { ...labels, ...(modernLabels ? { [LABEL_NAME]: ns } : {}) };
    profileModels.set(`kns.${ns}`, { name: `kns.${ns}`, labels: prefixed(l, 'pcns.'), ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] });
  }
  for (const sa of saLabels.values()) {
    const l = { ...sa.labels, ...(modernLabels ? { [LABEL_NAME]: sa.name } : {}) };
    const name = `ksa.${sa.namespace || 'default'}.${sa.name}`;
    profileModels.set(name, { name, labels: prefixed(l, 'pcsa.'), ingress: [], egress: [] });
  }
  for (const r of resources) {
    if (r.kind !== 'Profile') continue;
    const spec = isObj(r.object.spec) ? r.object.spec : {};
    profileModels.set(r.name, { name: r.name, labels: stringMap(spec.labelsToApply), ingress: spec.ingress, egress: spec.egress });
  }

  // ---- endpoints ----
  for (const p of pods) for (const ip of p.ips) allocator.reserve(ip);
  interface EndpointModel { info: WorkloadInfo; evalLabels: Record<string, string> }
  const endpoints: EndpointModel[] = [];
  for (const p of pods) {
    if (p.hostNetwork) continue; // host-networked pods get no workload endpoint
    if (p.pendingWithoutIP) continue; // pods without IPs are filtered out (§3.3)
    const key = `${p.namespace}/${p.name}`;
    const ips = p.ips.length ? p.ips : [allocator.assign(key)];
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.labels)) if (!k.startsWith('pcns.') && !k.startsWith('pcsa.')) labels[k] = v; // anti-spoofing
    labels[LABEL_NAMESPACE] = p.namespace;
    labels[LABEL_ORCHESTRATOR] = 'k8s';
    if (p.serviceAccount) labels[LABEL_SERVICEACCOUNT] = p.serviceAccount;
    const profileIds = [`kns.${p.namespace}`];
    if (p.serviceAccount) profileIds.push(`ksa.${p.namespace}.${p.serviceAccount}`);
    // Inheritance: own labels win, then profiles in order.
    const evalLabels: Record<string, string> = {};
    for (const pid of [...profileIds].reverse()) Object.assign(evalLabels, profileModels.get(pid)?.labels ?? {});
    Object.assign(evalLabels, labels);
    const v4 = ips.map((ip) => parseIP(ip)).filter((x) => x?.version === 4).length;
    const endpoint: WorkloadEndpoint = {
      state: 'active',
      name: interfaceName(p.namespace, p.name),
      profileIds,
      ipv4Nets: ips.filter((ip) => parseIP(ip)?.version === 4).map((ip) => hostCidr(ip)!),
      ipv6Nets: ips.filter((ip) => parseIP(ip)?.version === 6).map((ip) => hostCidr(ip)!),
    };
    addNat(endpoint, p.annotations, ips);
    if (compat !== '3.2') {
      const allowed = jsonList(p.annotations['cni.projectcalico.org/allowedSourcePrefixes']).map((c) => canonicalCidr(c)).filter((c): c is string => !!c);
      if (allowed.length) endpoint.allowSpoofedSourcePrefixes = allowed;
    }
    if (endpoint.ipv6Nets!.length === 0) delete endpoint.ipv6Nets;
    if (v4 === 0) delete endpoint.ipv4Nets;
    endpoints.push({
      info: {
        key,
        namespace: p.namespace,
        name: p.name,
        uid: p.uid,
        serviceAccount: p.serviceAccount,
        labels,
        ips: ips.map((ip) => hostCidr(ip)!.split('/')[0]),
        ports: p.ports,
        id: { orchestratorId: 'k8s', workloadId: key, endpointId: 'eth0' },
        endpoint,
      },
      evalLabels,
    });
  }

  // ---- tiers ----
  let tiers: TierState[] = [{ name: 'default', defaultAction: 'Deny' }];
  if (compat === '3.29') {
    tiers = [...BUILTIN_TIERS];
    for (const r of resources) {
      if (r.kind !== 'Tier') continue;
      const spec = isObj(r.object.spec) ? r.object.spec : {};
      tiers.push({ name: r.name, order: typeof spec.order === 'number' ? spec.order : undefined, defaultAction: spec.defaultAction === 'Pass' ? 'Pass' : 'Deny' });
    }
    tiers.sort(compareOrdered);
  }
  const tierNames = new Set(tiers.map((t) => t.name));

  // ---- policies ----
  const policies: PolicyModel[] = [];
  for (const r of resources) {
    if (r.kind !== 'NetworkPolicy' && r.kind !== 'GlobalNetworkPolicy' && r.kind !== 'K8sNetworkPolicy') continue;
    let spec: Record<string, any> = isObj(r.object.spec) ? r.object.spec : {};
    let stored: string;
    let tier = 'default';
    if (r.kind === 'K8sNetworkPolicy') {
      spec = k8sNetworkPolicyToCalicoSpec(spec, compat);
      stored = `knp.default.${r.name}`;
    } else {
      if (r.kind === 'GlobalNetworkPolicy' && (spec.doNotTrack === true || spec.preDNAT === true)) continue; // host-endpoint only
      if (compat === '3.29' && typeof spec.tier === 'string' && spec.tier) tier = spec.tier;
      stored = storedPolicyName(r.name, tier);
    }
    if (!tierNames.has(tier)) continue; // rejected by ResourceSet / crossValidate
    const namespace = r.kind === 'GlobalNetworkPolicy' ? '' : r.namespace;
    const types = r.kind === 'K8sNetworkPolicy' ? { ingress: spec.types.includes('Ingress'), egress: spec.types.includes('Egress') } : defaultedTypes(spec);
    const polSelector = policySelector(r.kind === 'GlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'NetworkPolicy', namespace, spec, compat);
    policies.push({
      name: namespace ? `${namespace}/${stored}` : stored,
      matcher: selector(polSelector, compat),
      tier,
      namespace,
      order: typeof spec.order === 'number' ? spec.order : undefined,
      ...types,
      selector: polSelector,
      originalSelector: typeof spec.selector === 'string' ? spec.selector : '',
      spec,
    });
  }
  policies.sort(compareOrdered);

  // ---- per-endpoint tiers; active policies ----
  const active = new Map<string, PolicyModel>();
  for (const ep of endpoints) {
    const tierInfos: TierInfo[] = [];
    for (const t of tiers) {
      const ingress: string[] = [];
      const egress: string[] = [];
      for (const pm of policies) {
        if (pm.tier !== t.name) continue;
        if (!pm.matcher.evaluate(ep.evalLabels)) continue;
        active.set(pm.name, pm);
        if (pm.ingress) ingress.push(pm.name);
        if (pm.egress) egress.push(pm.name);
      }
      if (ingress.length === 0 && egress.length === 0) continue;
      const ti: TierInfo = { name: t.name };
      if (ingress.length) ti.ingressPolicies = ingress;
      if (egress.length) ti.egressPolicies = egress;
      if (compat === '3.29') ti.defaultAction = t.defaultAction;
      tierInfos.push(ti);
    }
    if (tierInfos.length) ep.info.endpoint.tiers = tierInfos;
  }

  const ipSetDefs = new Map<string, IPSetDef>();
  const addDefs = (defs: IPSetDef[]) => defs.forEach((d) => ipSetDefs.set(d.id, d));

  const policyInfos = new Map<string, PolicyInfo>();
  for (const pm of policies) {
    if (!active.has(pm.name)) continue;
    // Felix seeds rule ids with "pol-in-default/<name>" whatever the tier (calc/event_sequencer.go).
    const inb = convertRules(pm.spec.ingress, pm.namespace, `pol-in-default/${pm.name}`, compat);
    const outb = convertRules(pm.spec.egress, pm.namespace, `pol-out-default/${pm.name}`, compat);
    addDefs(inb.ipSets);
    addDefs(outb.ipSets);
    const policy: Policy = {};
    if (inb.rules.length) policy.inboundRules = inb.rules;
    if (outb.rules.length) policy.outboundRules = outb.rules;
    if (pm.namespace) policy.namespace = pm.namespace;
    if (compat !== '3.2' && pm.originalSelector) policy.originalSelector = pm.originalSelector;
    const id = { tier: pm.tier, name: pm.name };
    policyInfos.set(policyKey(id), {
      id,
      policy,
      selector: pm.matcher.canonical,
      tier: pm.tier,
      order: pm.order,
      ingress: pm.ingress,
      egress: pm.egress,
      ipSetIds: [...new Set([...ipSetIdsOfRules(inb.rules), ...ipSetIdsOfRules(outb.rules)])],
    });
  }

  const profileInfos = new Map<string, ProfileInfo>();
  for (const ep of endpoints) {
    for (const pid of ep.info.endpoint.profileIds ?? []) {
      if (profileInfos.has(pid)) continue;
      const pm = profileModels.get(pid);
      if (!pm) continue;
      const { profile, ipSets } = convertProfile(pm.name, pm.ingress, pm.egress, compat);
      addDefs(ipSets);
      profileInfos.set(pid, {
        id: { name: pid },
        profile,
        labels: pm.labels,
        ipSetIds: [...new Set([...ipSetIdsOfRules(profile.inboundRules), ...ipSetIdsOfRules(profile.outboundRules)])],
      });
    }
  }

  // ---- IP sets referenced by active policies/profiles, with members over the whole cluster ----
  const referenced = new Set<string>();
  for (const p of policyInfos.values()) p.ipSetIds.forEach((id) => referenced.add(id));
  for (const p of profileInfos.values()) p.ipSetIds.forEach((id) => referenced.add(id));

  const networkSets = resources
    .filter((r) => r.kind === 'NetworkSet' || r.kind === 'GlobalNetworkSet')
    .map((r) => {
      const own = stringMap(r.object.metadata?.labels);
      let labels = own;
      if (r.kind === 'NetworkSet') labels = { ...(profileModels.get(`kns.${r.namespace}`)?.labels ?? {}), ...own, [LABEL_NAMESPACE]: r.namespace };
      const nets: string[] = (Array.isArray(r.object.spec?.nets) ? r.object.spec.nets : []).map((n: string) => canonicalCidr(n)).filter(Boolean);
      return { labels, nets };
    });

  const ipSets = new Map<string, IPSetInfo>();
  for (const id of [...referenced].sort()) {
    const def = ipSetDefs.get(id);
    if (!def) continue;
    const sel = selector(def.selector, compat);
    const members = new Set<string>();
    for (const ep of endpoints) {
      if (!sel.evaluate(ep.evalLabels)) continue;
      if (def.namedPort) {
        const np = def.namedPort;
        for (const port of ep.info.ports) {
          // libcalico-go maps only spec.containers' named TCP/UDP ports onto the endpoint.
          if (port.initContainer || port.name !== np.name || port.protocol.toLowerCase() !== np.protocol) continue;
          for (const ip of ep.info.ips) members.add(`${ip},${np.protocol}:${port.port}`);
        }
      } else {
        for (const ip of ep.info.ips) members.add(hostCidr(ip)!);
      }
    }
    if (!def.namedPort) for (const ns of networkSets) if (sel.evaluate(ns.labels)) ns.nets.forEach((n) => members.add(n));
    const info: IPSetInfo = { id, type: def.type, members, selector: def.selector };
    if (def.namedPort) info.namedPort = { ...def.namedPort };
    ipSets.set(id, info);
  }

  // ---- namespace / service-account label records (NamespaceUpdate / ServiceAccountUpdate) ----
  const namespaces = new Map<string, NamespaceInfo>();
  for (const [ns, labels] of [...nsLabels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const l = { ...labels, ...(modernLabels ? { [LABEL_NAME]: ns } : {}) };
    if (Object.keys(l).length === 0) continue; // no labels ⇒ no record ⇒ no update (2018)
    namespaces.set(ns, { id: { name: ns }, labels: l });
  }
  const serviceAccounts = new Map<string, ServiceAccountInfo>();
  for (const [k, sa] of [...saLabels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const l = { ...sa.labels, ...(modernLabels ? { [LABEL_NAME]: sa.name } : {}) };
    if (Object.keys(l).length === 0) continue;
    serviceAccounts.set(k, { id: { namespace: sa.namespace, name: sa.name }, labels: l });
  }

  const endpointMap = new Map<string, WorkloadInfo>();
  for (const ep of [...endpoints].sort((a, b) => (a.info.key < b.info.key ? -1 : a.info.key > b.info.key ? 1 : 0))) endpointMap.set(ep.info.key, ep.info);

  return { compat, ipSets, policies: policyInfos, profiles: profileInfos, endpoints: endpointMap, serviceAccounts, namespaces, tiers };
}

