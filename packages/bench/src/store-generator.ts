import type {
  CheckRequest,
  IPSetUpdate,
  Policy,
  Profile,
  Rule,
  ToDataplane,
  WorkloadEndpoint,
} from '@alpsim/proto';
import { SeededRandom } from './random';
import { type StoreShape, totalRules } from './shape';

/**
 * Generates, from a shape and a seed, the exact ToDataplane stream Felix would send to one
 * Dikastes on join (IP sets, policies, profiles, the workload endpoint with its tier, service
 * accounts, namespaces, InSync), plus a pool of CheckRequests whose verdicts are known by
 * construction. Identical (shape, seed) ⇒ identical output.
 *
 * Construction: every pass/deny rule carries one clause that the generated traffic misses
 * (service-account names from a pool no client uses, HTTP methods clients never send, source CIDRs
 * and source IP sets outside 10.0.0.0/16 where clients live, privileged source ports), so a
 * "traverse" request walks the whole tier and is decided by the final catch-all allow rule. Deny
 * rules and one pass rule additionally name a dedicated service account that "deny"/"pass" traffic
 * uses, so those requests stop exactly there.
 */

export type RequestKind = 'traverse' | 'deny' | 'pass' | 'probe';

export interface GeneratedRequest {
  kind: RequestKind;
  request: CheckRequest;
  /** google.rpc.Code the 2018..v3.28 engine answers for it (0 OK, 7 PERMISSION_DENIED). */
  expectedCode: number;
}

export interface StoreStats {
  policies: number;
  rules: number;
  actions: Record<string, number>;
  ruleKinds: Record<string, number>;
  ipSets: number;
  ipSetMembers: number;
  rulesReferencingSets: number;
  serviceAccounts: number;
  namespaces: number;
  messages: number;
}

export interface GeneratedStore {
  seed: number;
  shape: StoreShape;
  /** `<namespace>/<pod>` of the endpoint Dikastes protects. */
  workloadKey: string;
  endpointIp: string;
  /** The join sequence, ending with InSync. */
  messages: ToDataplane[];
  requests: GeneratedRequest[];
  stats: StoreStats;
  /** Present when shape.churnProbe: the n-th churn update (n ≥ 1) and the probe verdict after it. */
  churn?: {
    probeRequest: CheckRequest;
    /** Verdict of the probe before any update. */
    initialCode: number;
    update(n: number): { message: ToDataplane; expectedCode: number };
  };
}

const TRUST_DOMAIN = 'cluster.local';
const DEST_PORT = 8080;
const ENDPOINT_NAMESPACE = 'ns-0';
const ENDPOINT_POD = 'bench-server-0';
const ENDPOINT_SA = 'bench-server';
const ENDPOINT_IP = '10.0.255.1';
const MISS_METHODS = ['PATCH', 'DELETE', 'PUT', 'OPTIONS'];
const CLIENT_METHODS = ['GET', 'POST'];
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
export const CHURN_PROBE_POLICY = 'churn-probe';
export const CHURN_PROBE_METHOD = 'PROBE';

function spiffe(namespace: string, serviceAccount: string): string {
  return `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

function ipSetId(rng: SeededRandom): string {
  let id = 's:';
  for (let i = 0; i < 28; i++) id += ID_ALPHABET[rng.int(ID_ALPHABET.length)];
  return id;
}

/** NET members far from the clients' 10.0.0.0/16: mostly /32 pod addresses, some /24 blocks. */
function netMember(rng: SeededRandom): string {
  const b = 128 + rng.int(128);
  const c = rng.int(256);
  if (rng.chance(0.05)) return `10.${b}.${c}.0/24`;
  return `10.${b}.${c}.${1 + rng.int(254)}/32`;
}

interface Client {
  namespace: string;
  serviceAccount: string;
  ip: string;
}

function clientRequest(rng: SeededRandom, client: Client, method: string, path: string): CheckRequest {
  return {
    attributes: {
      source: {
        address: { socketAddress: { address: client.ip, portValue: 32768 + rng.int(28000) } },
        principal: spiffe(client.namespace, client.serviceAccount),
      },
      destination: {
        address: { socketAddress: { address: ENDPOINT_IP, portValue: DEST_PORT } },
        principal: spiffe(ENDPOINT_NAMESPACE, ENDPOINT_SA),
      },
      request: {
        http: {
          id: String(rng.int(1e9)),
          method,
          path,
          host: 'bench-server.ns-0.svc.cluster.local',
          scheme: 'http',
          protocol: 'HTTP/1.1',
          headers: {
            ':authority': 'bench-server.ns-0.svc.cluster.local',
            ':method': method,
            ':path': path,
            'user-agent': 'alpsim-bench',
            'x-request-id': `${rng.int(1e9)}`,
          },
        },
      },
    },
  };
}

export function generateStore(shape: StoreShape, seed: number): GeneratedStore {
  validateShape(shape);
  const rng = new SeededRandom(seed);
  const namespaces = Array.from({ length: shape.namespaces }, (_, i) => `ns-${i}`);

  // Traffic sources, IPs in 10.0.0.0/16: half in the endpoint's own namespace (where namespaced
  // policies' selector/service-account rules must be evaluated in full), half spread over the others
  // (where those rules fail fast on the namespace check).
  const clients: Client[] = Array.from({ length: shape.workloads }, (_, i) => ({
    namespace: i % 2 === 0 || namespaces.length === 1 ? namespaces[0] : namespaces[1 + (((i - 1) / 2) % (namespaces.length - 1))],
    serviceAccount: `client-${i}`,
    ip: `10.0.${(i >> 8) & 255}.${(i & 255) || 1}`,
  }));

  // IP sets.
  const ipSets: IPSetUpdate[] = [];
  let ipSetMembers = 0;
  for (let i = 0; i < shape.ipSets; i++) {
    const members = new Set<string>();
    while (members.size < shape.membersPerSet) members.add(netMember(rng));
    ipSets.push({ id: ipSetId(rng), type: 'NET', members: [...members] });
    ipSetMembers += members.size;
  }

  // Which rule slots carry deny, allow and the pass target.
  const rules = totalRules(shape);
  const lastSlot = rules - 1;
  const actionAt = new Map<number, 'deny' | 'allow'>();
  if (shape.allowRules > 0) actionAt.set(lastSlot, 'allow');
  const freeSlots = () => {
    let slot: number;
    do slot = rng.int(rules); while (actionAt.has(slot) || slot === lastSlot);
    return slot;
  };
  if (shape.denyRules + shape.allowRules >= rules) {
    throw new RangeError(`shape has ${rules} rules, too few for ${shape.denyRules} deny + ${shape.allowRules} allow rules`);
  }
  const denySlots: number[] = [];
  for (let i = 0; i < shape.denyRules; i++) {
    const slot = freeSlots();
    actionAt.set(slot, 'deny');
    denySlots.push(slot);
  }
  for (let i = 1; i < shape.allowRules; i++) actionAt.set(freeSlots(), 'allow');
  let passTarget = Math.floor(rules / 2);
  while (actionAt.has(passTarget) && passTarget > 0) passTarget--;
  const hasPassTarget = !actionAt.has(passTarget);

  const stats: StoreStats = {
    policies: shape.policies + (shape.churnProbe ? 1 : 0),
    rules: rules + (shape.churnProbe ? 1 : 0),
    actions: {},
    ruleKinds: {},
    ipSets: ipSets.length,
    ipSetMembers,
    rulesReferencingSets: 0,
    serviceAccounts: clients.length + shape.denyRules + 1,
    namespaces: namespaces.length,
    messages: 0,
  };
  const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);

  const policyNames: string[] = [];
  const policyMessages: ToDataplane[] = [];
  const denyAccounts = new Map<number, { serviceAccount: string; namespace: string }>();
  for (let p = 0; p < shape.policies; p++) {
    const namespaced = rng.chance(shape.namespacedFraction);
    const name = namespaced ? `${ENDPOINT_NAMESPACE}/bench-policy-${p}` : `bench-global-policy-${p}`;
    const inboundRules: Rule[] = [];
    for (let r = 0; r < shape.rulesPerPolicy; r++) {
      const slot = p * shape.rulesPerPolicy + r;
      const special = actionAt.get(slot);
      const action = special ?? shape.passAction;
      count(stats.actions, action);
      let rule: Rule;
      if (slot === lastSlot && special === 'allow') {
        rule = { action: 'allow', protocol: { name: 'tcp' } };
        count(stats.ruleKinds, 'catch-all');
      } else if (special === 'deny' || (slot === passTarget && hasPassTarget)) {
        // Targeted rule: a service account only the deny/pass traffic uses.
        const serviceAccount = special === 'deny' ? `denied-${denySlots.indexOf(slot)}` : 'pass-0';
        if (special === 'deny') denyAccounts.set(slot, { serviceAccount, namespace: ENDPOINT_NAMESPACE });
        rule = {
          action,
          protocol: { name: 'tcp' },
          srcServiceAccountMatch: { names: [serviceAccount] },
          dstPorts: [{ first: DEST_PORT, last: DEST_PORT }],
        };
        count(stats.ruleKinds, 'targeted');
      } else {
        rule = missRule(rng, shape, action, ipSets);
        count(stats.ruleKinds, rule.srcIpSetIds?.length ? 'ipSet' : ruleKindOf(rule));
      }
      if (rule.srcIpSetIds?.length) stats.rulesReferencingSets++;
      inboundRules.push(rule);
    }
    policyNames.push(name);
    const policy: Policy = { inboundRules, outboundRules: [], namespace: namespaced ? ENDPOINT_NAMESPACE : '' };
    policyMessages.push({ activePolicyUpdate: { id: { tier: 'default', name }, policy } });
  }

  const probePolicy = (action: string): ToDataplane => ({
    activePolicyUpdate: {
      id: { tier: 'default', name: CHURN_PROBE_POLICY },
      policy: { inboundRules: [{ action, httpMatch: { methods: [CHURN_PROBE_METHOD] } }], outboundRules: [] },
    },
  });
  if (shape.churnProbe) {
    policyNames.unshift(CHURN_PROBE_POLICY);
    policyMessages.unshift(probePolicy('allow'));
    count(stats.actions, 'allow');
    count(stats.ruleKinds, 'churn-probe');
  }

  const nsProfile = `kns.${ENDPOINT_NAMESPACE}`;
  const saProfile = `ksa.${ENDPOINT_NAMESPACE}.${ENDPOINT_SA}`;
  const profiles: [string, Profile][] = [
    [nsProfile, { inboundRules: [{ action: 'allow' }], outboundRules: [{ action: 'allow' }] }],
    [saProfile, { inboundRules: [], outboundRules: [] }],
  ];
  const endpoint: WorkloadEndpoint = {
    state: 'active',
    name: 'cali0123456789a',
    mac: 'ee:ee:ee:ee:ee:ee',
    profileIds: [nsProfile, saProfile],
    ipv4Nets: [`${ENDPOINT_IP}/32`],
    tiers: [{ name: 'default', ingressPolicies: policyNames, egressPolicies: [] }],
  };

  const messages: ToDataplane[] = [];
  for (const set of ipSets) messages.push({ ipsetUpdate: set });
  messages.push(...policyMessages);
  for (const [name, profile] of profiles) messages.push({ activeProfileUpdate: { id: { name }, profile } });
  messages.push({
    workloadEndpointUpdate: {
      id: { orchestratorId: 'k8s', workloadId: `${ENDPOINT_NAMESPACE}/${ENDPOINT_POD}`, endpointId: 'eth0' },
      endpoint,
    },
  });
  const accountNames = new Set<string>();
  const serviceAccount = (namespace: string, name: string, labels: Record<string, string>) => {
    if (accountNames.has(`${namespace}/${name}`)) return;
    accountNames.add(`${namespace}/${name}`);
    messages.push({ serviceAccountUpdate: { id: { namespace, name }, labels } });
  };
  for (const c of clients) serviceAccount(c.namespace, c.serviceAccount, { app: c.serviceAccount, tier: 'frontend' });
  for (const d of denyAccounts.values()) serviceAccount(d.namespace, d.serviceAccount, { app: d.serviceAccount });
  serviceAccount(ENDPOINT_NAMESPACE, 'pass-0', { app: 'pass-0' });
  serviceAccount(ENDPOINT_NAMESPACE, ENDPOINT_SA, { app: ENDPOINT_SA });
  for (const [i, name] of namespaces.entries()) {
    messages.push({ namespaceUpdate: { id: { name }, labels: { name, team: `team-${i % 5}` } } });
  }
  messages.push({ inSync: {} });
  stats.serviceAccounts = accountNames.size;
  stats.messages = messages.length;

  // Request pool, drawn by the request mix.
  const requests: GeneratedRequest[] = [];
  const denyTargets = [...denyAccounts.values()];
  const poolSize = 256;
  const allowCode = shape.allowRules > 0 ? 0 : 7;
  for (let i = 0; i < poolSize; i++) {
    let kind = rng.weighted(shape.requestMix);
    if (kind === 'deny' && denyTargets.length === 0) kind = 'traverse';
    if (kind === 'pass' && !hasPassTarget) kind = 'traverse';
    const path = `/api/v1/items/${rng.int(1000)}`;
    const method = rng.pick(CLIENT_METHODS);
    if (kind === 'traverse') {
      requests.push({ kind, request: clientRequest(rng, rng.pick(clients), method, path), expectedCode: allowCode });
    } else if (kind === 'deny') {
      const target = rng.pick(denyTargets);
      const client = { ...target, ip: `10.0.254.${1 + rng.int(250)}` };
      requests.push({ kind, request: clientRequest(rng, client, method, path), expectedCode: 7 });
    } else {
      const client = { namespace: ENDPOINT_NAMESPACE, serviceAccount: 'pass-0', ip: '10.0.253.1' };
      requests.push({ kind, request: clientRequest(rng, client, method, path), expectedCode: 0 });
    }
  }

  const generated: GeneratedStore = {
    seed,
    shape,
    workloadKey: `${ENDPOINT_NAMESPACE}/${ENDPOINT_POD}`,
    endpointIp: ENDPOINT_IP,
    messages,
    requests,
    stats,
  };
  if (shape.churnProbe) {
    const probeRequest = clientRequest(rng, clients[0], CHURN_PROBE_METHOD, '/probe');
    generated.churn = {
      probeRequest,
      initialCode: 0,
      // Odd updates deny the probe, even updates allow it again.
      update: (n) => {
        const deny = n % 2 === 1;
        return { message: probePolicy(deny ? 'deny' : 'allow'), expectedCode: deny ? 7 : 0 };
      },
    };
  }
  return generated;
}

function ruleKindOf(rule: Rule): string {
  if (rule.srcServiceAccountMatch) return 'serviceAccount';
  if (rule.httpMatch) return 'http';
  if (rule.srcNet?.length) return 'net';
  return 'ports';
}

/** A pass/deny/allow rule that none of the generated clients matches. */
function missRule(rng: SeededRandom, shape: StoreShape, action: string, ipSets: IPSetUpdate[]): Rule {
  const base: Rule = { action, protocol: { name: 'tcp' }, dstPorts: [{ first: DEST_PORT, last: DEST_PORT }] };
  if (ipSets.length > 0 && rng.chance(shape.ipSetRuleFraction)) {
    const app = `svc-${rng.int(10000)}`;
    return { ...base, originalSrcSelector: `app == '${app}'`, srcIpSetIds: [rng.pick(ipSets).id as string] };
  }
  switch (rng.weighted(shape.ruleMix)) {
    case 'serviceAccount':
      return {
        ...base,
        srcServiceAccountMatch: { names: [`sa-${rng.int(10000)}`, `sa-${rng.int(10000)}`], selector: `app == 'sa-${rng.int(100)}'` },
      };
    case 'http':
      return {
        ...base,
        httpMatch: {
          methods: [rng.pick(MISS_METHODS)],
          paths: [{ prefix: `/admin/${rng.int(1000)}` }, { exact: `/internal/${rng.int(1000)}` }],
        },
      };
    case 'net':
      return { ...base, srcNet: [`172.16.${rng.int(256)}.0/24`, `192.168.${rng.int(256)}.0/24`] };
    default:
      return { ...base, srcPorts: [{ first: 1, last: 1023 }] };
  }
}

export function validateShape(shape: StoreShape): void {
  const positiveInts: (keyof StoreShape)[] = ['policies', 'rulesPerPolicy'];
  for (const key of positiveInts) {
    const v = shape[key] as number;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`shape.${key} must be an integer ≥ 1, got ${v}`);
  }
  const counts: (keyof StoreShape)[] = ['denyRules', 'allowRules', 'ipSets', 'membersPerSet', 'workloads', 'namespaces'];
  for (const key of counts) {
    const v = shape[key] as number;
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`shape.${key} must be an integer ≥ 0, got ${v}`);
  }
  if (shape.workloads < 1) throw new RangeError('shape.workloads must be ≥ 1');
  if (shape.namespaces < 1) throw new RangeError('shape.namespaces must be ≥ 1');
  if (shape.membersPerSet > 60000) throw new RangeError('shape.membersPerSet must be ≤ 60000');
  for (const key of ['ipSetRuleFraction', 'namespacedFraction'] as const) {
    if (!(shape[key] >= 0 && shape[key] <= 1)) throw new RangeError(`shape.${key} must be between 0 and 1, got ${shape[key]}`);
  }
}
