import type { DataplaneState, LoadedResource } from '@alpsim/calico';
import { evaluateCheck, PolicyStore, type CheckTrace, type TraceStep } from '@alpsim/dikastes';
import { joinSequence } from '@alpsim/felix';
import type { AuthzApiVersion, CheckRequest } from '@alpsim/proto';
import type { Compat } from './model';
import type { Decision } from './results';

/**
 * Why a request got its verdict, in the user's terms: the Calico resource, tier and rule that
 * decided, and for every earlier rule the clause that did not match. Computed by our Dikastes engine
 * (`evaluateCheck` with a trace) on an in-process store fed with exactly the messages Felix sends
 * that workload (`joinSequence`), so it describes the same store the Dikastes process holds.
 */

/** The Calico resource behind a policy-sync policy name (`default.x`, `ns/default.x`, `ns/knp.default.x`, `tier.x`). */
export interface PolicyOrigin {
  kind: string;
  namespace: string;
  name: string;
  resource?: LoadedResource;
  label: string;
}

export function policyOrigin(protoName: string, tier: string, resources: readonly LoadedResource[]): PolicyOrigin {
  const slash = protoName.indexOf('/');
  const namespace = slash >= 0 ? protoName.slice(0, slash) : '';
  const rest = slash >= 0 ? protoName.slice(slash + 1) : protoName;
  const candidates: Array<{ kind: string; name: string }> = [];
  if (rest.startsWith('knp.default.')) candidates.push({ kind: 'K8sNetworkPolicy', name: rest.slice('knp.default.'.length) });
  const kind = namespace ? 'NetworkPolicy' : 'GlobalNetworkPolicy';
  candidates.push({ kind, name: rest });
  if (rest.startsWith(`${tier}.`)) candidates.push({ kind, name: rest.slice(tier.length + 1) });
  if (rest.startsWith('default.')) candidates.push({ kind, name: rest.slice('default.'.length) });
  for (const c of candidates) {
    const resource = resources.find((r) => r.kind === c.kind && r.name === c.name && r.namespace === namespace);
    if (resource) return { kind: c.kind, namespace, name: c.name, resource, label: labelOf(c.kind, namespace, c.name) };
  }
  // Not among the resources (e.g. already deleted): the most specific reading of the name.
  const guess = rest.startsWith('knp.default.') ? candidates[0] : candidates[candidates.length - 1];
  return { kind: guess.kind, namespace, name: guess.name, label: labelOf(guess.kind, namespace, guess.name) };
}

function labelOf(kind: string, namespace: string, name: string): string {
  const k = kind === 'K8sNetworkPolicy' ? 'NetworkPolicy(k8s)' : kind;
  return namespace ? `${k} ${namespace}/${name}` : `${k} ${name}`;
}

function at(resource: LoadedResource | undefined): string {
  return resource?.source ? ` (${resource.source.file}:${resource.source.line})` : '';
}

/** Coverage key of a rule of a Calico resource. */
export function ruleKey(origin: { kind: string; namespace: string; name: string }, index: number): string {
  return `${labelOf(origin.kind, origin.namespace, origin.name)} ingress[${index}]`;
}

const CLAUSE_FIELDS: Record<string, string> = {
  'srcServiceAccountMatch.names': 'source.serviceAccounts.names',
  'srcServiceAccountMatch.selector': 'source.serviceAccounts.selector',
  originalSrcNamespaceSelector: 'source.namespaceSelector',
  'srcNamespace(policy namespace)': 'source namespace (must be the policy namespace)',
  srcIpSetIds: 'source.selector',
  notSrcIpSetIds: 'source.notSelector',
  srcPorts: 'source.ports',
  srcNet: 'source.nets',
  'dstServiceAccountMatch.names': 'destination.serviceAccounts.names',
  'dstServiceAccountMatch.selector': 'destination.serviceAccounts.selector',
  originalDstNamespaceSelector: 'destination.namespaceSelector',
  'dstNamespace(policy namespace)': 'destination namespace (must be the policy namespace)',
  dstIpSetIds: 'destination.selector',
  notDstIpSetIds: 'destination.notSelector',
  dstPorts: 'destination.ports',
  dstNet: 'destination.nets',
  'httpMatch.methods': 'http.methods',
  'httpMatch.paths': 'http.paths',
  protocol: 'protocol',
  notProtocol: 'notProtocol',
};

function getPath(object: unknown, dotted: string): unknown {
  let cur: unknown = object;
  for (const part of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** What the request carried for a clause, so the user sees both sides of the mismatch. */
function requestSide(clause: string, trace: CheckTrace, http: { method: string; path: string }): string {
  const peer = clause.startsWith('dst') || clause.startsWith('originalDst') || clause.startsWith('notDst') ? trace.destination : trace.source;
  const side = peer === trace.destination ? 'destination' : 'source';
  if (clause.includes('ServiceAccountMatch')) {
    return peer.identity === 'spiffe' ? `${side} is service account ${peer.namespace}/${peer.serviceAccount}` : `${side} has no identity`;
  }
  if (clause.includes('Namespace') || clause.includes('namespace')) {
    return peer.identity === 'spiffe' ? `${side} namespace is ${peer.namespace}` : `${side} has no namespace`;
  }
  if (clause === 'httpMatch.methods') return `request method is ${http.method || '(none)'}`;
  if (clause === 'httpMatch.paths') return `request path is ${http.path || '(none)'}`;
  if (clause === 'protocol' || clause === 'notProtocol') return 'request protocol is TCP';
  return clause.endsWith('Ports') ? `${side} port is ${peer.port}` : `${side} address is ${peer.address}`;
}

/** `source.serviceAccounts.names ["a"] did not match (source is service account ns/b)`. */
function describeClause(clause: string | undefined, rule: unknown, trace: CheckTrace, http: { method: string; path: string }): string {
  if (!clause) return 'did not match';
  let field = CLAUSE_FIELDS[clause] ?? clause;
  let value = getPath(rule, field);
  if (value === undefined && (field === 'source.selector' || field === 'destination.selector')) {
    // Pod selectors, namespace selectors and network sets all become IP sets.
    const side = field.split('.')[0];
    for (const alt of [`${side}.namespaceSelector`, `${side}.nets`]) {
      if (getPath(rule, alt) !== undefined) {
        field = `${side} IP set (from ${alt})`;
        value = getPath(rule, alt);
        break;
      }
    }
  }
  const wanted = value === undefined ? field : `${field} ${JSON.stringify(value)}`;
  return `${wanted} did not match (${requestSide(clause, trace, http)})`;
}

export interface Explanation {
  code: number;
  decision: Decision;
  trace?: CheckTrace;
}

export class Explainer {
  private readonly stores = new Map<string, PolicyStore>();

  constructor(
    private readonly compat: Compat,
    private readonly state: DataplaneState,
    private readonly resources: readonly LoadedResource[],
    private readonly apiVersion: AuthzApiVersion,
  ) {}

  private storeFor(workloadKey: string): PolicyStore {
    let store = this.stores.get(workloadKey);
    if (!store) {
      store = PolicyStore.from(joinSequence(this.state, workloadKey), { compat: this.compat }).store;
      this.stores.set(workloadKey, store);
    }
    return store;
  }

  /** What our engine answers for `request` arriving at `workloadKey`'s Dikastes, and why. */
  explain(workloadKey: string, request: CheckRequest, withDetails: boolean): Explanation {
    const outcome = evaluateCheck(this.storeFor(workloadKey), request, { compat: this.compat, explain: true, apiVersion: this.apiVersion });
    const trace = outcome.trace!;
    const http = request.attributes?.request?.http;
    return { code: outcome.code, decision: this.describe(trace, withDetails, { method: http?.method ?? '', path: http?.path ?? '' }), trace };
  }

  private ruleOf(origin: PolicyOrigin, index: number): unknown {
    const ingress = origin.resource?.object?.spec?.ingress;
    return Array.isArray(ingress) ? ingress[index] : undefined;
  }

  private stepLabel(step: TraceStep): { label: string; origin?: PolicyOrigin } {
    if (step.kind === 'profile') return { label: `profile ${step.name}` };
    const origin = policyOrigin(step.name, step.tier ?? 'default', this.resources);
    return { label: `${origin.label}${at(origin.resource)}`, origin };
  }

  describe(trace: CheckTrace, withDetails: boolean, http: { method: string; path: string } = { method: '', path: '' }): Decision {
    const d = trace.decision;
    let summary: string;
    let key: string | undefined;
    switch (d.kind) {
      case 'rule': {
        if (d.policy !== undefined) {
          const origin = policyOrigin(d.policy, d.tier ?? 'default', this.resources);
          summary = `${origin.label} ingress[${d.ruleIndex}] (${d.action})`;
          key = ruleKey(origin, d.ruleIndex ?? 0);
          if (d.tier && d.tier !== 'default') summary = `tier ${d.tier}: ${summary}`;
        } else {
          summary = `profile ${d.profile} rule ${d.ruleIndex} (${d.action})`;
          key = `profile ${d.profile} rule[${d.ruleIndex}]`;
        }
        break;
      }
      case 'end-of-tier':
        summary = `no policy in tier ${d.tier} matched: end-of-tier deny`;
        break;
      case 'tier-default-action':
        summary = `no policy in tier ${d.tier} matched: tier default ${d.action}`;
        break;
      case 'no-profiles':
        summary = 'no policy applies and the endpoint has no profiles: deny';
        break;
      case 'end-of-profiles':
        summary = 'no policy or profile rule matched: deny';
        break;
      case 'pass-in-profile':
        summary = `pass in profile ${d.profile}: deny`;
        break;
      case 'invalid-path':
        summary = `path does not start with "/" at a rule with http.paths: INVALID_ARGUMENT`;
        break;
      case 'identity':
        summary = `${trace.source.identity !== 'spiffe' ? 'source' : 'destination'} principal ${JSON.stringify(trace.source.identity !== 'spiffe' ? trace.source.principal : trace.destination.principal)} is not a SPIFFE ID: deny before any policy`;
        break;
      case 'not-in-sync':
        summary = 'Dikastes not in sync with Felix: UNAVAILABLE';
        break;
      case 'no-endpoint':
        summary = 'Felix sent no endpoint for this workload: deny';
        break;
      default:
        summary = trace.summary;
    }
    if (!withDetails) return key ? { summary, ruleKey: key } : { summary };
    const details: string[] = [trace.summary];
    for (const step of trace.steps) {
      const { label, origin } = this.stepLabel(step);
      details.push(`${step.kind === 'policy' ? `tier ${step.tier}: ` : ''}${label}: ${step.result}`);
      for (const r of step.rules) {
        const rule = origin ? this.ruleOf(origin, r.index) : undefined;
        const head = origin ? `ingress[${r.index}] ${r.action}` : `rule ${r.index} ${r.action}`;
        if (r.matched) details.push(`  ${head}: matched${r.skipped ? ' (log: evaluation continues)' : ''}`);
        else if (r.invalidPath) details.push(`  ${head}: request path is not absolute: INVALID_ARGUMENT`);
        else details.push(`  ${head}: ${describeClause(r.failedClause, rule, trace, http)}`);
      }
    }
    return key ? { summary, details, ruleKey: key } : { summary, details };
  }
}

/** Every ingress rule of every Calico policy in the resources (the coverage universe). */
export function allRuleKeys(resources: readonly LoadedResource[]): string[] {
  const keys: string[] = [];
  for (const r of resources) {
    if (r.kind !== 'GlobalNetworkPolicy' && r.kind !== 'NetworkPolicy') continue;
    const ingress = r.object?.spec?.ingress;
    if (!Array.isArray(ingress)) continue;
    ingress.forEach((_rule: unknown, i: number) => keys.push(ruleKey({ kind: r.kind, namespace: r.namespace, name: r.name }, i)));
  }
  return keys;
}
