/**
 * The shape of a generated policy store: how many policies and rules, which actions, which rule
 * kinds, how many IP sets, and which traffic is sent against it.
 */
export interface RuleKindMix {
  /** Source service-account match (names + label selector). */
  serviceAccount: number;
  /** HTTP method/path match. */
  http: number;
  /** Source CIDR match. */
  net: number;
  /** Source port range match. */
  ports: number;
}

export interface RequestMix {
  /** Misses every pass/deny rule and is decided by the final allow rule (worst case: walks the whole tier). */
  traverse: number;
  /** Hits one of the deny rules (uniformly chosen). */
  deny: number;
  /** Hits one pass rule half-way through the tier, then is allowed by the namespace profile. */
  pass: number;
}

export interface StoreShape {
  policies: number;
  rulesPerPolicy: number;
  /** Number of deny rules in the whole store. */
  denyRules: number;
  /** Number of allow rules; the last one is a catch-all closing the last policy. */
  allowRules: number;
  /** Action string Felix sends for Pass: 'next-tier' (Felix ≤ v3.28) or 'pass'. */
  passAction: 'next-tier' | 'pass';
  /** Fraction of rules whose source is a selector compiled into an IP set reference. */
  ipSetRuleFraction: number;
  /** Weights of the kinds of the other rules. */
  ruleMix: RuleKindMix;
  ipSets: number;
  membersPerSet: number;
  /** Fraction of policies that are namespaced NetworkPolicies (in the endpoint's namespace). */
  namespacedFraction: number;
  /** Distinct source workloads (identities and IPs) in the generated traffic. */
  workloads: number;
  namespaces: number;
  requestMix: RequestMix;
  /** Add a first policy whose verdict for method PROBE flips with each churn update. */
  churnProbe: boolean;
}

export const DEFAULT_RULE_MIX: RuleKindMix = { serviceAccount: 0.4, http: 0.3, net: 0.2, ports: 0.1 };
export const DEFAULT_REQUEST_MIX: RequestMix = { traverse: 0.9, deny: 0.05, pass: 0.05 };

/**
 * The shape of Calico's own scale benchmark (app-policy/checker/bench_test.go, 2026):
 * 294 policies × 68 rules, mostly Pass, 10 deny, 1 allow, 3 708 NET IP sets with ~256 000
 * members in total, 24.2 % of rules referencing an IP set.
 */
export const CALICO_SCALE_SHAPE: StoreShape = {
  policies: 294,
  rulesPerPolicy: 68,
  denyRules: 10,
  allowRules: 1,
  passAction: 'next-tier',
  ipSetRuleFraction: 0.242,
  ruleMix: DEFAULT_RULE_MIX,
  ipSets: 3708,
  membersPerSet: 69,
  namespacedFraction: 0.5,
  workloads: 200,
  namespaces: 20,
  requestMix: DEFAULT_REQUEST_MIX,
  churnProbe: false,
};

/**
 * A store of about `rules` rules in the same style as the Calico scale shape (≤ 50 rules per
 * policy, ~0.05 % deny, one allow, 24 % of rules referencing one of rules×0.185 IP sets).
 */
export function shapeForRuleCount(rules: number): StoreShape {
  if (!Number.isInteger(rules) || rules < 2) throw new RangeError(`rules must be an integer ≥ 2, got ${rules}`);
  const rulesPerPolicy = Math.min(rules, 50);
  const policies = Math.max(1, Math.round(rules / rulesPerPolicy));
  return {
    ...CALICO_SCALE_SHAPE,
    policies,
    rulesPerPolicy,
    denyRules: Math.max(1, Math.min(10, Math.floor(rules / 10))),
    ipSets: Math.max(1, Math.ceil(rules * 0.185)),
    workloads: Math.min(200, Math.max(10, rules)),
    namespaces: Math.min(20, Math.max(2, Math.ceil(rules / 50))),
  };
}

export function totalRules(shape: StoreShape): number {
  return shape.policies * shape.rulesPerPolicy;
}
