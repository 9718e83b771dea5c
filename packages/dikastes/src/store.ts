// The policy store of one policy-sync stream: what Felix sent, compiled for matching as it arrives.
// Where the real Dikastes panics on an update (spec §2.2, §9 item 4) this store reports an error
// and leaves its state as it was (or, for bad IP-set members, skips just those members).
import type {
  IPSetType,
  Policy,
  Profile,
  Rule,
  TierInfo,
  ToDataplane,
  ToDataplanePayload,
  WorkloadEndpoint,
  WorkloadEndpointID,
} from '@alpsim/proto';
import type { Compat } from './compat';
import { IPSetType as SetType } from '@alpsim/proto';
import { CompiledIpSet, NetIndex, ipSetTypeOf, type IpSetSlot } from './ipset';
import { PolicyCandidates, RuleKeyIndex, mark, type Registration } from './keyindex';
import { ALWAYS_SLOT, RuleFilter } from './prefilter';
import type { PeerContext } from './request';
import type { LabelSource } from './request';
import { compileRule, type CompiledRule } from './rules';
import { dialectFor, type SelectorDialect } from './selectors';

type Labels = Readonly<Record<string, string>>;

export interface CompiledPolicy {
  readonly tier: string;
  readonly name: string;
  /** Policy.namespace: "" for a global policy. */
  readonly namespace: string;
  readonly inboundRules: readonly CompiledRule[];
  readonly filter: RuleFilter;
  readonly candidates: PolicyCandidates;
  readonly registration: Registration;
}

export interface CompiledProfile {
  readonly name: string;
  readonly inboundRules: readonly CompiledRule[];
}

export interface EndpointTier {
  readonly name: string;
  readonly defaultAction: string;
  readonly ingressPolicies: readonly { readonly name: string; readonly key: string }[];
}

export interface StoredEndpoint {
  readonly id: WorkloadEndpointID | null;
  readonly endpoint: WorkloadEndpoint;
  readonly tiers: readonly EndpointTier[];
  readonly profileIds: readonly string[];
}

export type ApplyResult =
  | { readonly ok: true; readonly payload: ToDataplanePayload }
  | { readonly ok: false; readonly payload: string | undefined; readonly error: string };

export interface PolicyStoreOptions {
  /** Parse selectors eagerly in this level's dialect when updates arrive (default: lazily at first use). */
  compat?: Compat;
}

/** Payload fields the real Dikastes consumes; anything else made it panic. */
const CONSUMED: ReadonlySet<string> = new Set([
  'inSync',
  'ipsetUpdate',
  'ipsetDeltaUpdate',
  'ipsetRemove',
  'activeProfileUpdate',
  'activeProfileRemove',
  'activePolicyUpdate',
  'activePolicyRemove',
  'workloadEndpointUpdate',
  'workloadEndpointRemove',
  'serviceAccountUpdate',
  'serviceAccountRemove',
  'namespaceUpdate',
  'namespaceRemove',
]);

const ALL_PAYLOADS: readonly string[] = [
  ...CONSUMED,
  'hostEndpointUpdate',
  'hostEndpointRemove',
  'configUpdate',
  'hostMetadataUpdate',
  'hostMetadataRemove',
  'ipamPoolUpdate',
  'ipamPoolRemove',
];

export function policyKey(tier: string, name: string): string {
  return tier + '\u0000' + name;
}

function saKey(namespace: string, name: string): string {
  return namespace + '\u0000' + name;
}

/** The payload field set on a ToDataplane, for decoded messages (`.payload`) and plain objects. */
export function payloadOf(message: ToDataplane): string | undefined {
  if (typeof message.payload === 'string') return message.payload;
  const record = message as unknown as Record<string, unknown>;
  for (const name of ALL_PAYLOADS) {
    if (Object.prototype.hasOwnProperty.call(record, name) && record[name] != null) return name;
  }
  return undefined;
}

export class PolicyStore implements LabelSource {
  readonly ipSets = new Map<string, CompiledIpSet>();
  private readonly ipSetSlots = new Map<string, IpSetSlot>();
  private readonly slotList: IpSetSlot[] = [];
  /** Slots whose set is absent: rules may reach a missing IP set, so clause order matters. */
  private missingSlots = 0;
  /** Slots holding an IP or IP_AND_PORT set (membership computed per request, not via the prefix index). */
  private readonly literalSlots = new Set<IpSetSlot>();
  /** Per-request source membership by slot index (generation stamps). */
  private sourceSlotTable = new Float64Array(64);
  private readonly netIndex = new NetIndex();
  private readonly keyIndex = new RuleKeyIndex();
  private markGeneration = 0;
  private readonly onSourceSet = (set: CompiledIpSet): void => {
    const index = set.slotIndex;
    if (index <= 0) return;
    this.sourceSlotTable[index] = this.markGeneration;
    mark(this.slotList[index - 1].refs, this.markGeneration);
  };
  private readonly resolveSlot = (id: string): IpSetSlot => {
    let slot = this.ipSetSlots.get(id);
    if (!slot) {
      slot = { id, index: this.slotList.length + 1, set: undefined, refs: new Set() }; // 0 is ALWAYS_SLOT
      this.ipSetSlots.set(id, slot);
      this.slotList.push(slot);
      if (this.sourceSlotTable.length <= slot.index) {
        const grown = new Float64Array(this.sourceSlotTable.length * 2);
        grown.set(this.sourceSlotTable);
        this.sourceSlotTable = grown;
      }
      this.missingSlots++;
      this.bindSlot(slot, this.ipSets.get(id));
    }
    return slot;
  };
  readonly policies = new Map<string, CompiledPolicy>();
  readonly profiles = new Map<string, CompiledProfile>();
  readonly serviceAccounts = new Map<string, Labels>();
  readonly namespaces = new Map<string, Labels>();
  endpoint: StoredEndpoint | null = null;
  /** Incremented on every applied update. */
  version = 0;
  private readonly eagerDialect: SelectorDialect | undefined;

  constructor(options: PolicyStoreOptions = {}) {
    this.eagerDialect = options.compat ? dialectFor(options.compat) : undefined;
  }

  /** Build a store from a sequence of messages; errors are returned, not thrown. */
  static from(messages: Iterable<ToDataplane>, options: PolicyStoreOptions = {}): { store: PolicyStore; errors: string[] } {
    const store = new PolicyStore(options);
    const errors: string[] = [];
    for (const m of messages) {
      const r = store.apply(m);
      if (!r.ok) errors.push(r.error);
    }
    return { store, errors };
  }

  serviceAccountLabels(namespace: string, name: string): Labels | undefined {
    return this.serviceAccounts.get(saKey(namespace, name));
  }

  namespaceLabels(name: string): Labels | undefined {
    return this.namespaces.get(name);
  }

  getPolicy(tier: string, name: string): CompiledPolicy | undefined {
    return this.policies.get(policyKey(tier, name));
  }

  /** Apply one policy-sync message. Never throws: a message the store cannot use is reported. */
  apply(message: ToDataplane): ApplyResult {
    const payload = payloadOf(message);
    if (payload === undefined) {
      return this.fail(payload, 'message carries no payload this Dikastes knows (the real one crashes); ignored');
    }
    if (!CONSUMED.has(payload)) {
      return this.fail(payload, `payload ${payload} is not used by Dikastes (the real one crashes on it); ignored`);
    }
    const error = this.applyPayload(payload as ToDataplanePayload, message);
    if (error !== undefined) return this.fail(payload, error);
    this.version++;
    return { ok: true, payload: payload as ToDataplanePayload };
  }

  private fail(payload: string | undefined, error: string): ApplyResult {
    return { ok: false, payload, error: payload ? `${payload}: ${error}` : error };
  }

  // Returns an error text, or undefined when applied.
  private applyPayload(payload: ToDataplanePayload, m: ToDataplane): string | undefined {
    switch (payload) {
      case 'inSync':
        return undefined;
      case 'ipsetUpdate': {
        const u = m.ipsetUpdate!;
        const type = ipSetTypeOf(u.type);
        if (type === undefined) return `IP set ${JSON.stringify(u.id ?? '')} has unknown type ${String(u.type)}; ignored`;
        const set = new CompiledIpSet(u.id ?? '', type as IPSetType, this.netIndex);
        const bad: string[] = [];
        for (const member of u.members ?? []) {
          const err = set.add(member);
          if (err) bad.push(err);
        }
        this.putIpSet(set.id, set);
        if (bad.length > 0) {
          this.version++;
          return `IP set ${JSON.stringify(set.id)}: skipped ${bad.length} member(s) the real Dikastes crashes on: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; ...' : ''}`;
        }
        return undefined;
      }
      case 'ipsetDeltaUpdate': {
        const u = m.ipsetDeltaUpdate!;
        const set = this.ipSets.get(u.id ?? '');
        if (!set) return `delta for unknown IP set ${JSON.stringify(u.id ?? '')} (the real one crashes); ignored`;
        const bad: string[] = [];
        for (const member of u.addedMembers ?? []) {
          const err = set.add(member);
          if (err) bad.push(err);
        }
        for (const member of u.removedMembers ?? []) set.remove(member);
        if (bad.length > 0) {
          this.version++;
          return `IP set ${JSON.stringify(set.id)}: skipped ${bad.length} added member(s) the real Dikastes crashes on: ${bad.slice(0, 5).join('; ')}`;
        }
        return undefined;
      }
      case 'ipsetRemove':
        this.putIpSet(m.ipsetRemove!.id ?? '', undefined);
        return undefined;
      case 'activeProfileUpdate': {
        const u = m.activeProfileUpdate!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        const name = u.id.name ?? '';
        // No profile body: the real map then holds nil, which reads exactly like a missing profile.
        if (!u.profile) this.profiles.delete(name);
        else this.profiles.set(name, { name, inboundRules: this.compileRules(u.profile, '') });
        return undefined;
      }
      case 'activeProfileRemove': {
        const u = m.activeProfileRemove!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        this.profiles.delete(u.id.name ?? '');
        return undefined;
      }
      case 'activePolicyUpdate': {
        const u = m.activePolicyUpdate!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        const tier = u.id.tier ?? '';
        const name = u.id.name ?? '';
        const namespace = (u.policy && u.policy.namespace) || '';
        const inboundRules = this.compileRules(u.policy, namespace);
        const key = policyKey(tier, name);
        const old = this.policies.get(key);
        if (old) this.keyIndex.unregister(old.registration);
        if (!u.policy) {
          // No policy body: the real map then holds nil, which reads exactly like a missing policy.
          this.policies.delete(key);
          return undefined;
        }
        const { candidates, registration } = this.keyIndex.register(inboundRules, (slot) => slot.refs);
        this.policies.set(key, { tier, name, namespace, inboundRules, filter: new RuleFilter(inboundRules), candidates, registration });
        return undefined;
      }
      case 'activePolicyRemove': {
        const u = m.activePolicyRemove!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        const key = policyKey(u.id.tier ?? '', u.id.name ?? '');
        const old = this.policies.get(key);
        if (old) this.keyIndex.unregister(old.registration);
        this.policies.delete(key);
        return undefined;
      }
      case 'workloadEndpointUpdate': {
        // The real store holds exactly one endpoint; the last update wins whatever its id (§9 item 2).
        const u = m.workloadEndpointUpdate!;
        this.endpoint = u.endpoint ? compileEndpoint(u.id ?? null, u.endpoint) : null;
        return undefined;
      }
      case 'workloadEndpointRemove':
        this.endpoint = null;
        return undefined;
      case 'serviceAccountUpdate': {
        const u = m.serviceAccountUpdate!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        this.serviceAccounts.set(saKey(u.id.namespace ?? '', u.id.name ?? ''), { ...(u.labels ?? {}) });
        return undefined;
      }
      case 'serviceAccountRemove': {
        const u = m.serviceAccountRemove!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        this.serviceAccounts.delete(saKey(u.id.namespace ?? '', u.id.name ?? ''));
        return undefined;
      }
      case 'namespaceUpdate': {
        const u = m.namespaceUpdate!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        this.namespaces.set(u.id.name ?? '', { ...(u.labels ?? {}) });
        return undefined;
      }
      case 'namespaceRemove': {
        const u = m.namespaceRemove!;
        if (!u.id) return 'missing id (the real one crashes); ignored';
        this.namespaces.delete(u.id.name ?? '');
        return undefined;
      }
      default:
        return `payload ${payload} is not used by Dikastes; ignored`;
    }
  }

  private putIpSet(id: string, set: CompiledIpSet | undefined): void {
    this.ipSets.get(id)?.detach();
    if (set) this.ipSets.set(id, set);
    else this.ipSets.delete(id);
    const slot = this.ipSetSlots.get(id);
    if (slot) this.bindSlot(slot, set);
  }

  private bindSlot(slot: IpSetSlot, set: CompiledIpSet | undefined): void {
    if (slot.set === undefined) this.missingSlots--;
    if (set === undefined) this.missingSlots++;
    slot.set = set;
    if (set) set.slotIndex = slot.index;
    if (set && set.type !== SetType.NET) this.literalSlots.add(slot);
    else this.literalSlots.delete(slot);
  }

  /** Whether some rule references an IP set the store does not have. */
  get referencesMissingIpSets(): boolean {
    return this.missingSlots > 0;
  }

  /**
   * Source-address membership of every referenced IP set for this request, by slot index
   * (entries equal to the request generation are members). Computed once per Check.
   */
  sourceMembership(source: PeerContext, method: string): Float64Array {
    const table = this.sourceSlotTable;
    const gen = source.generation;
    this.markGeneration = gen;
    table[ALWAYS_SLOT] = gen;
    this.netIndex.mark(source, this.onSourceSet);
    for (const slot of this.literalSlots) {
      if (slot.set !== undefined && slot.set.containsPeer(source)) {
        table[slot.index] = gen;
        mark(slot.refs, gen);
      }
    }
    // Rules keyed by SA name, method or source net (see keyindex.ts).
    this.keyIndex.collect(source, method, gen);
    return table;
  }

  private compileRules(source: Policy | Profile | null | undefined, namespace: string): CompiledRule[] {
    const rules: Rule[] = (source && source.inboundRules) || [];
    const compiled = rules.map((rule, i) => compileRule(rule, i, namespace, this.resolveSlot));
    if (this.eagerDialect) {
      for (const rule of compiled) {
        for (const side of [rule.src, rule.dst]) {
          side.saSelector?.get(this.eagerDialect);
          side.namespaceSelector?.get(this.eagerDialect);
        }
      }
    }
    return compiled;
  }
}

function compileEndpoint(id: WorkloadEndpointID | null, endpoint: WorkloadEndpoint): StoredEndpoint {
  const tiers = (endpoint.tiers ?? []).map((t: TierInfo): EndpointTier => {
    const name = t.name ?? '';
    return {
      name,
      defaultAction: t.defaultAction ?? '',
      ingressPolicies: (t.ingressPolicies ?? []).map((p) => ({ name: p, key: policyKey(name, p) })),
    };
  });
  return { id, endpoint, tiers, profileIds: (endpoint.profileIds ?? []).slice() };
}
