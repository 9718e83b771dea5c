// Kubernetes NetworkPolicy → Calico v3 NetworkPolicy spec, as libcalico-go's k8s conversion does it (§3.10).

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
  if (peer.podSelector !== undefined) e.selector = k8sLabelSelectorToCalico(peer.podSelector, 'pod');
  if (peer.namespaceSelector !== undefined) e.namespaceSelector = k8sLabelSelectorToCalico(peer.namespaceSelector, 'namespace');
  return e;
}

function convertK8sRules(rules: unknown, dir: 'ingress' | 'egress'): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (const r of Array.isArray(rules) ? rules : []) {
    const peers: (Record<string, any> | undefined)[] = (dir === 'ingress' ? r?.from : r?.to) ?? [];
    const ports: (Record<string, any> | undefined)[] = r?.ports ?? [];
    for (const port of ports.length ? ports : [undefined]) {
      for (const peer of peers.length ? peers : [undefined]) {
        const rule: Record<string, any> = { action: 'Allow' };
        const dst: Record<string, any> = {};
        if (port) {
          rule.protocol = port.protocol ?? 'TCP';
          if (port.port !== undefined) {
            dst.ports = [typeof port.port === 'number' && typeof port.endPort === 'number' ? `${port.port}:${port.endPort}` : port.port];
          }
        }
        const peerEnt = peerToEntity(peer);
        if (dir === 'ingress') {
          if (Object.keys(peerEnt).length) rule.source = peerEnt;
          if (Object.keys(dst).length) rule.destination = dst;
        } else {
          const d = { ...peerEnt, ...dst };
          if (Object.keys(d).length) rule.destination = d;
        }
        out.push(rule);
      }
    }
  }
  return out;
}

/** The Calico NetworkPolicy spec a Kubernetes NetworkPolicy becomes (order 1000). */
export function k8sNetworkPolicyToCalicoSpec(spec: Record<string, any>): Record<string, any> {
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
    ingress: types.includes('Ingress') ? convertK8sRules(spec.ingress, 'ingress') : [],
    egress: types.includes('Egress') ? convertK8sRules(spec.egress, 'egress') : [],
  };
}
