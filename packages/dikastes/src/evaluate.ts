// The Check decision of each compat level (spec-dikastes §3.4, §3.5, §5, §9), with an optional
// structured trace of every policy and rule visited.
import type { AuthzApiVersion, CheckRequest } from '@alpsim/proto';
import { Code, codeName } from './codes';
import { DEFAULT_COMPAT, type Compat } from './compat';
import { RequestContext, type PeerContext } from './request';
import { CheckCrash, INVALID_PATH, MATCH, matchRule, type CompiledRule, type MatchEnv } from './rules';
import { dialectFor } from './selectors';
import { protocolCode, type RuleFilter } from './prefilter';
import type { CompiledPolicy, PolicyStore } from './store';

export interface EvaluateOptions {
  compat?: Compat;
  explain?: boolean;
  /** Which ext_authz service the request arrived on (default v3); matters for the v2 shim (§9 item 24). */
  apiVersion?: AuthzApiVersion;
}

export interface RuleTrace {
  index: number;
  action: string;
  matched: boolean;
  /** The clause that failed (e.g. `srcServiceAccountMatch.names`, `httpMatch.paths`), when not matched. */
  failedClause?: string;
  /** A matched `log` rule: evaluation continues. */
  skipped?: boolean;
  /** Set when this rule ended the check with INVALID_ARGUMENT. */
  invalidPath?: boolean;
}

export type StepResult = 'allow' | 'deny' | 'pass' | 'no-match' | 'missing' | 'invalid-argument' | 'error';

export interface TraceStep {
  kind: 'policy' | 'profile';
  tier?: string;
  name: string;
  result: StepResult;
  rules: RuleTrace[];
}

export type DecisionKind =
  | 'not-in-sync'
  | 'no-endpoint'
  | 'identity'
  | 'rule'
  | 'end-of-tier'
  | 'tier-default-action'
  | 'no-profiles'
  | 'end-of-profiles'
  | 'pass-in-profile'
  | 'invalid-path'
  | 'error';

export interface Decision {
  kind: DecisionKind;
  tier?: string;
  policy?: string;
  profile?: string;
  ruleIndex?: number;
  action?: string;
}

export interface PeerTrace {
  present: boolean;
  principal: string;
  identity: 'spiffe' | 'empty' | 'invalid';
  namespace?: string;
  serviceAccount?: string;
  address: string;
  port: number;
}

export interface CheckTrace {
  compat: Compat;
  code: number;
  codeName: string;
  decision: Decision;
  /** One line a human can read: what decided and why. */
  summary: string;
  source: PeerTrace;
  destination: PeerTrace;
  /** Policies and profiles in the order they were visited. */
  steps: TraceStep[];
  /** For code 13: what the real Dikastes would have crashed on. */
  error?: string;
}

export interface CheckOutcome {
  code: number;
  trace?: CheckTrace;
  /** Set when the real Dikastes would have crashed (we answer INTERNAL instead). */
  error?: string;
}

// ---------------------------------------------------------------------------------------------

const enum PolicyResult {
  NoMatch,
  Allow,
  Deny,
  Pass,
  Invalid,
}

/** The rule that produced the last non-NoMatch result of evaluateRules (avoids an allocation per policy). */
let decidingRule: CompiledRule | undefined;

/** Per-request inputs of the rule pre-filter (see prefilter.ts). */
interface FastPath {
  srcIsV4: boolean;
  srcV4: number;
  dstPort: number;
  srcPort: number;
  protoCode: number;
  /** The rule key index may be used (the source has an identity, so SA-keyed rules need their key). */
  indexed: boolean;
  srcSetIn: Float64Array;
  generation: number;
}

/**
 * Walks one policy's or profile's inbound rules: first matching non-log rule decides. With `fast`
 * and a filter, rules that fail the integer pre-check are skipped without running the matcher.
 */
function evaluateRules(
  rules: readonly CompiledRule[],
  ctx: RequestContext,
  env: MatchEnv,
  step: TraceStep | undefined,
  filter?: RuleFilter,
  fast?: FastPath,
): PolicyResult {
  decidingRule = undefined;
  const filtered = filter !== undefined && fast !== undefined;
  if (filtered && !ctx.hasDestination) return PolicyResult.NoMatch;
  for (let i = 0; i < rules.length; i++) {
    if (filtered) {
      i = filter.next(i, fast.srcIsV4, fast.srcV4, fast.dstPort, fast.srcPort, fast.protoCode, fast.srcSetIn, fast.generation);
      if (i < 0) break;
    }
    const rule = rules[i];
    const r = matchRule(rule, ctx, env);
    if (step !== undefined) {
      const trace: RuleTrace = { index: rule.index, action: rule.rawAction, matched: r === MATCH };
      if (r === INVALID_PATH) trace.invalidPath = true;
      if (r !== MATCH) trace.failedClause = ctx.failedClause;
      else if (rule.action === 'log') trace.skipped = true;
      step.rules.push(trace);
    }
    const result = decide(rule, r);
    if (result !== -1) return result;
  }
  return PolicyResult.NoMatch;
}

/** Result of matching one rule that may decide (shared by both walks). */
function decide(rule: CompiledRule, r: number): PolicyResult | -1 {
  if (r === INVALID_PATH) {
    decidingRule = rule;
    return PolicyResult.Invalid;
  }
  if (r !== MATCH) return -1;
  switch (rule.action) {
    case 'log':
      return -1;
    case 'allow':
      decidingRule = rule;
      return PolicyResult.Allow;
    case 'deny':
      decidingRule = rule;
      return PolicyResult.Deny;
    case 'pass':
      decidingRule = rule;
      return PolicyResult.Pass;
    default:
      throw new CheckCrash(`rule ${rule.index} matched with unknown action ${JSON.stringify(rule.rawAction)}`);
  }
}

/** The indexed walk: only this request's candidate rules, in order, through pre-filter and matcher. */
function evaluateCandidates(policy: CompiledPolicy, ctx: RequestContext, env: MatchEnv, fast: FastPath): PolicyResult {
  decidingRule = undefined;
  if (!ctx.hasDestination) return PolicyResult.NoMatch;
  const bits = policy.candidates.bits(fast.generation);
  const rules = policy.inboundRules;
  const filter = policy.filter;
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w];
    while (word !== 0) {
      const low = word & -word;
      const i = (w << 5) + 31 - Math.clz32(low);
      word ^= low;
      if (!filter.passes(i, fast.srcIsV4, fast.srcV4, fast.dstPort, fast.srcPort, fast.protoCode, fast.srcSetIn, fast.generation)) continue;
      const rule = rules[i];
      const result = decide(rule, matchRule(rule, ctx, env));
      if (result !== -1) return result;
    }
  }
  return PolicyResult.NoMatch;
}

function isPortNumber(port: number): boolean {
  return port >= 0 && port <= 0xffff;
}

/** Whether a policy result ends the walk (checked first so a no-match builds no decision object). */
function decides(r: PolicyResult): boolean {
  return r !== PolicyResult.NoMatch && r !== PolicyResult.Pass;
}

function stepResultOf(r: PolicyResult): StepResult {
  switch (r) {
    case PolicyResult.Allow:
      return 'allow';
    case PolicyResult.Deny:
      return 'deny';
    case PolicyResult.Pass:
      return 'pass';
    case PolicyResult.Invalid:
      return 'invalid-argument';
    default:
      return 'no-match';
  }
}

class Evaluation {
  readonly steps: TraceStep[] | undefined;
  private readonly fastAllowed: boolean;
  private fast: FastPath | undefined;
  constructor(
    readonly store: PolicyStore,
    readonly ctx: RequestContext,
    readonly env: MatchEnv,
    readonly compat: Compat,
    explain: boolean,
  ) {
    this.steps = explain ? [] : undefined;
    // The pre-filter changes which clause is tested first; it is only used where that cannot change
    // the answer: no trace wanted, no reachable missing IP set. Its integer compares assume real
    // port numbers (0..65535); anything else takes the exact walk.
    this.fastAllowed = !explain && !store.referencesMissingIpSets && isPortNumber(ctx.source.port) && isPortNumber(ctx.destination.port);
  }

  private evaluatePolicy(policy: CompiledPolicy, step: TraceStep | undefined): PolicyResult {
    if (this.fastAllowed && (this.ctx.pathValid || !policy.filter.hasPathRules)) {
      if (this.fast === undefined) {
        const src = this.ctx.source;
        const ip = src.ip();
        this.fast = {
          srcIsV4: ip !== undefined && ip.v4,
          srcV4: ip !== undefined && ip.v4 ? ip.n : 0,
          dstPort: this.ctx.destination.port,
          srcPort: src.port,
          protoCode: protocolCode(this.ctx.protocol),
          indexed: src.identity === 'spiffe',
          srcSetIn: this.store.sourceMembership(src, this.ctx.method),
          generation: this.ctx.generation,
        };
      }
      if (this.fast.indexed) return evaluateCandidates(policy, this.ctx, this.env, this.fast);
      return evaluateRules(policy.inboundRules, this.ctx, this.env, step, policy.filter, this.fast);
    }
    return evaluateRules(policy.inboundRules, this.ctx, this.env, step);
  }

  private newStep(kind: 'policy' | 'profile', name: string, tier?: string): TraceStep | undefined {
    if (!this.steps) return undefined;
    const step: TraceStep = tier === undefined ? { kind, name, result: 'no-match', rules: [] } : { kind, tier, name, result: 'no-match', rules: [] };
    this.steps.push(step);
    return step;
  }

  /** Returns the decision of the tiers, or undefined to go on to profiles. */
  run(): { code: number; decision: Decision } {
    const endpoint = this.store.endpoint!;
    const tiers = endpoint.tiers;
    if (this.compat === '3.29') {
      for (const tier of tiers) {
        // A tier with no ingress policies is skipped (§3.5).
        if (tier.ingressPolicies.length === 0) continue;
        let last: PolicyResult | 'missing' = PolicyResult.NoMatch;
        let passed = false;
        for (const ref of tier.ingressPolicies) {
          const policy = this.store.policies.get(ref.key);
          if (!policy) {
            // v3.29: a missing policy is skipped; as the last one it also skips the end-of-tier action.
            const step = this.newStep('policy', ref.name, tier.name);
            if (step) step.result = 'missing';
            last = 'missing';
            continue;
          }
          const step = this.newStep('policy', ref.name, tier.name);
          const result = this.evaluatePolicy(policy, step);
          const rule = decidingRule;
          if (step) step.result = stepResultOf(result);
          last = result;
          const decided = decides(result) ? this.ruleDecision(result, rule, { tier: tier.name, policy: ref.name }) : undefined;
          if (decided) return decided;
          if (result === PolicyResult.Pass) {
            passed = true;
            break;
          }
        }
        if (passed || last === 'missing') continue;
        if (tier.defaultAction === 'Pass') continue;
        return { code: Code.PERMISSION_DENIED, decision: { kind: 'tier-default-action', tier: tier.name, action: tier.defaultAction || 'Deny' } };
      }
      return this.profiles();
    }
    // 2018 engine (3.2, 3.28): only tiers[0]; pass jumps straight to profiles.
    if (tiers.length > 0) {
      const tier = tiers[0];
      let passed = false;
      for (const ref of tier.ingressPolicies) {
        const policy = this.store.policies.get(ref.key);
        if (!policy) {
          const step = this.newStep('policy', ref.name, tier.name);
          if (step) step.result = 'error';
          throw new CheckCrash(`policy ${JSON.stringify(ref.name)} of tier ${JSON.stringify(tier.name)} is missing from the store`);
        }
        const step = this.newStep('policy', ref.name, tier.name);
        const result = this.evaluatePolicy(policy, step);
          const rule = decidingRule;
        if (step) step.result = stepResultOf(result);
        const decided = decides(result) ? this.ruleDecision(result, rule, { tier: tier.name, policy: ref.name }) : undefined;
        if (decided) return decided;
        if (result === PolicyResult.Pass) {
          passed = true;
          break;
        }
      }
      if (!passed) return { code: Code.PERMISSION_DENIED, decision: { kind: 'end-of-tier', tier: tier.name } };
    }
    return this.profiles();
  }

  private ruleDecision(
    result: PolicyResult,
    rule: CompiledRule | undefined,
    where: { tier?: string; policy?: string; profile?: string },
  ): { code: number; decision: Decision } | undefined {
    if (result === PolicyResult.NoMatch || result === PolicyResult.Pass) return undefined;
    const base = { ...where, ruleIndex: rule?.index, action: rule?.rawAction };
    switch (result) {
      case PolicyResult.Allow:
        return { code: Code.OK, decision: { kind: 'rule', ...base } };
      case PolicyResult.Deny:
        return { code: Code.PERMISSION_DENIED, decision: { kind: 'rule', ...base } };
      case PolicyResult.Invalid:
        return { code: Code.INVALID_ARGUMENT, decision: { kind: 'invalid-path', ...base } };
      default:
        return undefined;
    }
  }

  private profiles(): { code: number; decision: Decision } {
    const ids = this.store.endpoint!.profileIds;
    if (ids.length === 0) return { code: Code.PERMISSION_DENIED, decision: { kind: 'no-profiles' } };
    for (const name of ids) {
      const profile = this.store.profiles.get(name);
      if (!profile) {
        const step = this.newStep('profile', name);
        if (this.compat === '3.29') {
          if (step) step.result = 'missing';
          continue;
        }
        if (step) step.result = 'error';
        throw new CheckCrash(`profile ${JSON.stringify(name)} is missing from the store`);
      }
      const step = this.newStep('profile', name);
      const result = evaluateRules(profile.inboundRules, this.ctx, this.env, step);
      const rule = decidingRule;
      if (step) step.result = stepResultOf(result);
      if (result === PolicyResult.Pass) {
        // pass inside a profile counts as deny (§9 item 7).
        return { code: Code.PERMISSION_DENIED, decision: { kind: 'pass-in-profile', profile: name, ruleIndex: rule?.index, action: rule?.rawAction } };
      }
      const decided = this.ruleDecision(result, rule, { profile: name });
      if (decided) return decided;
    }
    return { code: Code.PERMISSION_DENIED, decision: { kind: 'end-of-profiles' } };
  }
}

function peerTrace(p: PeerContext): PeerTrace {
  const t: PeerTrace = { present: p.present, principal: p.principal, identity: p.identity, address: p.address, port: p.portValue };
  if (p.identity === 'spiffe') {
    t.namespace = p.namespace;
    t.serviceAccount = p.serviceAccount;
  }
  return t;
}

function describe(code: number, d: Decision, error?: string): string {
  const where = [
    d.tier !== undefined ? `tier ${d.tier}` : '',
    d.policy !== undefined ? `policy ${d.policy}` : '',
    d.profile !== undefined ? `profile ${d.profile}` : '',
    d.ruleIndex !== undefined ? `rule ${d.ruleIndex} (${d.action})` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const name = codeName(code);
  switch (d.kind) {
    case 'not-in-sync':
      return `${name}: no InSync received from Felix yet`;
    case 'no-endpoint':
      return `${name}: the store has no workload endpoint`;
    case 'identity':
      return `${name}: a peer principal is not a SPIFFE id of the form spiffe://<domain>/ns/<ns>/sa/<sa>`;
    case 'rule':
      return `${name}: decided by ${where}`;
    case 'end-of-tier':
      return `${name}: no policy in ${where} matched (end-of-tier deny)`;
    case 'tier-default-action':
      return `${name}: no policy in ${where} matched; tier default action ${d.action}`;
    case 'no-profiles':
      return `${name}: reached profiles but the endpoint has none`;
    case 'end-of-profiles':
      return `${name}: no profile rule matched`;
    case 'pass-in-profile':
      return `${name}: pass in ${where} counts as deny`;
    case 'invalid-path':
      return `${name}: request path does not start with "/" and ${where} has path matches`;
    case 'error':
      return `${name}: the real Dikastes would crash here: ${error ?? ''}`;
  }
}

function finish(
  code: number,
  decision: Decision,
  ctx: RequestContext | undefined,
  evaluation: Evaluation | undefined,
  options: EvaluateOptions,
  error?: string,
): CheckOutcome {
  const outcome: CheckOutcome = error === undefined ? { code } : { code, error };
  if (options.explain) {
    const request = ctx ?? new RequestContext(undefined, { serviceAccountLabels: () => undefined, namespaceLabels: () => undefined });
    outcome.trace = {
      compat: options.compat ?? DEFAULT_COMPAT,
      code,
      codeName: codeName(code),
      decision,
      summary: describe(code, decision, error),
      source: peerTrace(request.source),
      destination: peerTrace(request.destination),
      steps: evaluation?.steps ?? [],
      ...(error !== undefined ? { error } : {}),
    };
  }
  return outcome;
}

/**
 * Decide one CheckRequest against a store the way the chosen real Dikastes does.
 * `store === null` means "no InSync yet" (UNAVAILABLE). Never throws: where the real process
 * would crash the answer is INTERNAL (13) with `error` set.
 */
export function evaluateCheck(store: PolicyStore | null, request: CheckRequest, options: EvaluateOptions = {}): CheckOutcome {
  const compat = options.compat ?? DEFAULT_COMPAT;
  const attributes = request ? request.attributes : undefined;
  // v2/v2alpha shim of 2021+ dereferences both peers before anything else (§9 item 24).
  if (compat !== '3.2' && options.apiVersion !== undefined && options.apiVersion !== 'v3') {
    if (!attributes || !attributes.source || !attributes.destination) {
      const error = `${options.apiVersion} request without a ${!attributes || !attributes.source ? 'source' : 'destination'} peer (the v2 adapter of the real one crashes)`;
      return finish(Code.INTERNAL, { kind: 'error' }, undefined, undefined, options, error);
    }
  }
  if (store === null) return finish(Code.UNAVAILABLE, { kind: 'not-in-sync' }, undefined, undefined, options);
  const ctx = new RequestContext(request, store);
  if (store.endpoint === null) return finish(Code.PERMISSION_DENIED, { kind: 'no-endpoint' }, ctx, undefined, options);
  // Identities: a non-SPIFFE principal denies; an empty one only before v3.12 (§9 items 21-22).
  const strict = compat === '3.2';
  const src = ctx.source.identity;
  const dst = ctx.destination.identity;
  if (src === 'invalid' || dst === 'invalid' || (strict && (src === 'empty' || dst === 'empty'))) {
    return finish(Code.PERMISSION_DENIED, { kind: 'identity' }, ctx, undefined, options);
  }
  const env: MatchEnv = { dialect: dialectFor(compat), anonymousMatchesIdentity: !strict };
  const evaluation = new Evaluation(store, ctx, env, compat, options.explain === true);
  try {
    const { code, decision } = evaluation.run();
    return finish(code, decision, ctx, evaluation, options);
  } catch (e) {
    if (e instanceof CheckCrash) return finish(Code.INTERNAL, { kind: 'error' }, ctx, evaluation, options, e.message);
    throw e;
  }
}

/** A multi-line human rendering of a trace (used by --explain and `alpsim explain`). */
export function formatTrace(trace: CheckTrace): string {
  const lines = [`${trace.summary} [compat ${trace.compat}]`];
  for (const step of trace.steps) {
    const head = step.kind === 'policy' ? `policy ${step.tier}/${step.name}` : `profile ${step.name}`;
    lines.push(`  ${head}: ${step.result}`);
    for (const r of step.rules) {
      const what = r.invalidPath
        ? `INVALID_ARGUMENT at ${r.failedClause}`
        : r.matched
          ? r.skipped
            ? 'matched (log, continue)'
            : 'matched'
          : `failed ${r.failedClause}`;
      lines.push(`    rule ${r.index} ${r.action || '""'}: ${what}`);
    }
  }
  return lines.join('\n');
}
