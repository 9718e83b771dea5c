// Kubernetes NetworkPolicy → Calico v3 NetworkPolicy spec, as libcalico-go's k8s conversion does it (§3.10):
// 2018 emits one rule per (port × peer); later versions group ports by protocol (SimplifyPorts).
import type { Compat } from './types';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** metav1.LabelSelector → Calico selector text. */
export function k8sLabelSelectorToCalico(s: unknown, type: 'pod' | 'namespace'): string {
  const terms: string[] = [];
  if (type === 'pod') terms.push("projectcalico.org/orchestrator == 'k8s'");
  if (!isObj(s)) return terms.join(' && ');
  const ml = isObj(s.matchLabels) ? s.matchLabels : {};
  const me = Array.isArray(s.matchExpressions) ? s.matchExpressions : [];
  if (type === 'namespace' && Object.keys(ml).length === 0 && me.length === 0) return 'all()';
  for (const k of Object.keys(ml).sort()) terms.push(`${k} == '${ml[k]}'`);
  for (const e of me) {
    const values: string[] = Array.isArray(e?.values) ? e.values : [];
    switch (e?.operator) {
      case 'In':
        terms.push(`${e.key} in { '${values.join("', '")}' }`);
        break;
      case 'NotIn':
        terms.push(`${e.key} not in { '${values.join("', '")}' }`);
        break;
      case 'Exists':
        terms.push(`has(${e.key})`);
        break;
      case 'DoesNotExist':
        terms.push(`! has(${e.key})`);
        break;
      default:
        break;
    }
  }
  return terms.join(' && ');
}

function peerToEntity(peer: Record<string, any> | undefined): Record<string, any> {
  if (!peer) return {};
  const e: Record<string, any> = {};
  if (isObj(peer.ipBlock)) {
    e.nets = [peer.ipBlock.cidr];
    if (Array.isArray(peer.ipBlock.except) && peer.ipBlock.except.length) e.notNets = [...peer.ipBlock.except];
    return e;
  }
  // A missing podSelector still yields the orchestrator term (libcalico-go converts the nil selector).
  e.selector = k8sLabelSelectorToCalico(peer.podSelector, 'pod');
  const ns = k8sLabelSelectorToCalico(peer.namespaceSelector, 'namespace');
  if (ns) e.namespaceSelector = ns;
  return e;
}

type V3Port = number | string;

function k8sPortValue(port: Record<string, any>): V3Port | undefined {
  if (port.port === undefined || port.port === null) return undefined;
  if (typeof port.port === 'number' && typeof port.endPort === 'number') return `${port.port}:${port.endPort}`;
  return port.port;
}

function makeRule(dir: 'ingress' | 'egress', protocol: string | undefined, ports: V3Port[] | undefined, peer: Record<string, any> | undefined): Record<string, any> {
  const rule: Record<string, any> = { action: 'Allow' };
  if (protocol) rule.protocol = protocol;
  const peerEnt = peerToEntity(peer);
  const dst: Record<string, any> = ports && ports.length ? { ports } : {};
  if (dir === 'ingress') {
    if (Object.keys(peerEnt).length) rule.source = peerEnt;
    if (Object.keys(dst).length) rule.destination = dst;
  } else {
    const d = { ...dst, ...peerEnt };
    if (Object.keys(d).length) rule.destination = d;
  }
  return rule;
}

/** libcalico-go's SimplifyPorts: named ports kept, numeric ports merged into sorted ranges. */
export function simplifyPorts(ports: V3Port[]): V3Port[] {
  if (ports.length <= 1) return ports;
  const named: V3Port[] = [];
  const numbers: number[] = [];
  for (const p of ports) {
    if (typeof p === 'number') numbers.push(p);
    else if (/^\d+:\d+$/.test(p)) {
      const [a, b] = p.split(':').map(Number);
      for (let i = a; i <= b; i++) numbers.push(i);
    } else named.push(p);
  }
  if (numbers.length <= 1) return ports;
  numbers.sort((a, b) => a - b);
  const out = [...named];
  for (let i = 0; i < numbers.length; ) {
    const first = numbers[i];
    let last = first;
    i++;
    while (i < numbers.length && numbers[i] <= last + 1) last = numbers[i++];
    out.push(first === last ? first : `${first}:${last}`);
  }
  return out;
}

function convertK8sRules(rules: unknown, dir: 'ingress' | 'egress', modern: boolean): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (const r of Array.isArray(rules) ? rules : []) {
    const peerList: (Record<string, any> | undefined)[] = (dir === 'ingress' ? r?.from : r?.to) ?? [];
    const peers = peerList.length ? peerList : [undefined];
    const ports: Record<string, any>[] = (r?.ports ?? []).filter(isObj);
    if (!modern) {
      // 2018: one rule per (port × peer). The API server defaults a NetworkPolicyPort's protocol to TCP
      // (even for an entry without a port), so every port entry yields a protocol (§3.10).
      for (const port of ports.length ? ports : [undefined]) {
        const value = port ? k8sPortValue(port) : undefined;
        const protocol = port ? port.protocol ?? 'TCP' : undefined;
        for (const peer of peers) out.push(makeRule(dir, protocol, value === undefined ? undefined : [value], peer));
      }
      continue;
    }
    // Modern: one rule per protocol (sorted) with its ports merged, × peers.
    const byProtocol = new Map<string, V3Port[] | null>();
    if (ports.length === 0) byProtocol.set('', null);
    for (const port of ports) {
      const protocol: string = port.protocol ?? 'TCP';
      const value = k8sPortValue(port);
      if (value === undefined) byProtocol.set(protocol, null); // all ports of that protocol
      else if (!byProtocol.has(protocol) || byProtocol.get(protocol) !== null) byProtocol.set(protocol, [...(byProtocol.get(protocol) ?? []), value]);
    }
    const protocols = [...byProtocol.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const protocol of protocols) {
      const list = byProtocol.get(protocol);
      const simplified = list ? simplifyPorts(list) : undefined;
      for (const peer of peers) out.push(makeRule(dir, protocol || undefined, simplified, peer));
    }
  }
  return out;
}

/** The Calico NetworkPolicy spec a Kubernetes NetworkPolicy becomes (order 1000). */
export function k8sNetworkPolicyToCalicoSpec(spec: Record<string, any>, compat: Compat = '3.2'): Record<string, any> {
  const modern = compat !== '3.2';
  let types: string[] = Array.isArray(spec.policyTypes) ? [...spec.policyTypes] : [];
  if (types.length === 0) {
    // API-server defaulting: Ingress, plus Egress when egress rules are present.
    types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length) types.push('Egress');
  }
  return {
    order: 1000,
    selector: k8sLabelSelectorToCalico(spec.podSelector, 'pod'),
    types,
    ingress: convertK8sRules(spec.ingress, 'ingress', modern),
    egress: convertK8sRules(spec.egress, 'egress', modern),
  };
}
