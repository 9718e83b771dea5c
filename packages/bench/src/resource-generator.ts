import * as YAML from 'yaml';
import { SeededRandom } from './random';
import { type StoreShape, totalRules } from './shape';

/**
 * Generates Calico v3 resources (projectcalico.org/v3 GlobalNetworkPolicy, NetworkPolicy,
 * GlobalNetworkSet) of a given shape, for full-path and scenario runs where policy goes through
 * the real resource → Felix compilation. Selector rules select GlobalNetworkSets by label, so the
 * IP sets Felix derives hold the generated members. Same (shape, seed) ⇒ same resources.
 */
export interface CalicoResourceSet {
  resources: Record<string, unknown>[];
  /** Multi-document YAML of all resources. */
  toYaml(): string;
}

const MISS_METHODS = ['PATCH', 'DELETE', 'PUT', 'OPTIONS'];

export function generateCalicoResources(shape: StoreShape, seed: number, opts: { namespace?: string; podSelector?: string } = {}): CalicoResourceSet {
  const rng = new SeededRandom(seed);
  const namespace = opts.namespace ?? 'ns-0';
  const podSelector = opts.podSelector ?? "app == 'bench-server'";
  const resources: Record<string, unknown>[] = [];
  for (let i = 0; i < shape.ipSets; i++) {
    const nets = new Set<string>();
    while (nets.size < shape.membersPerSet) nets.add(`10.${128 + rng.int(128)}.${rng.int(256)}.${1 + rng.int(254)}/32`);
    resources.push({
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkSet',
      metadata: { name: `bench-set-${i}`, labels: { 'bench-set': `set-${i}` } },
      spec: { nets: [...nets] },
    });
  }
  const rules = totalRules(shape);
  const special = new Map<number, string>();
  if (shape.allowRules > 0) special.set(rules - 1, 'Allow');
  for (let d = 0; d < shape.denyRules; d++) {
    let slot: number;
    do slot = rng.int(rules - 1); while (special.has(slot));
    special.set(slot, 'Deny');
  }
  for (let p = 0; p < shape.policies; p++) {
    const namespaced = rng.chance(shape.namespacedFraction);
    const ingress: Record<string, unknown>[] = [];
    for (let r = 0; r < shape.rulesPerPolicy; r++) {
      const slot = p * shape.rulesPerPolicy + r;
      const action = special.get(slot) ?? 'Pass';
      if (slot === rules - 1 && action === 'Allow') {
        ingress.push({ action: 'Allow', protocol: 'TCP' });
        continue;
      }
      const rule: Record<string, unknown> = { action, protocol: 'TCP', destination: { ports: [8080] } };
      if (action === 'Deny') {
        rule.source = { serviceAccounts: { names: [`denied-${slot}`] } };
      } else if (shape.ipSets > 0 && rng.chance(shape.ipSetRuleFraction)) {
        rule.source = { selector: `bench-set == 'set-${rng.int(shape.ipSets)}'` };
      } else {
        switch (rng.weighted(shape.ruleMix)) {
          case 'serviceAccount':
            rule.source = { serviceAccounts: { names: [`sa-${rng.int(10000)}`], selector: `app == 'sa-${rng.int(100)}'` } };
            break;
          case 'http':
            rule.http = { methods: [rng.pick(MISS_METHODS)], paths: [{ prefix: `/admin/${rng.int(1000)}` }] };
            break;
          case 'net':
            rule.source = { nets: [`172.16.${rng.int(256)}.0/24`] };
            break;
          default:
            rule.source = { ports: ['1:1023'] };
        }
      }
      ingress.push(rule);
    }
    const spec = { order: p, selector: podSelector, types: ['Ingress'], ingress };
    resources.push(
      namespaced
        ? { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: `bench-policy-${p}`, namespace }, spec }
        : { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: `bench-global-policy-${p}` }, spec },
    );
  }
  return {
    resources,
    toYaml: () => resources.map((r) => YAML.stringify(r)).join('---\n'),
  };
}
