// Store-wide rule index by "key clause": each policy rule is filed under the one clause that it
// cannot match without — its first source IP set, its service-account names, its HTTP methods or
// its IPv4 source nets. A Check looks up the request's keys (source SA, method, source prefixes,
// IP sets holding the source) and gets, per policy, the few rules that can match; rules with no key
// clause are always candidates. Candidates then go through the integer pre-filter and the exact
// matcher, so verdicts are unchanged; only rules that cannot match are never touched. Policies are
// (un)registered one by one as updates arrive.
import type { IpSetSlot } from './ipset';
import type { PeerContext } from './request';
import type { CompiledRule } from './rules';

const V4_KEY_BASE = 4294967296;

/** Per-policy candidate bitsets: rules without a key clause, and this request's candidates. */
export class PolicyCandidates {
  readonly always: Uint32Array;
  readonly current: Uint32Array;
  generation = -1;
  constructor(readonly ruleCount: number) {
    const words = (ruleCount + 31) >>> 5;
    this.always = new Uint32Array(words);
    this.current = new Uint32Array(words);
  }

  add(bit: number, generation: number): void {
    if (this.generation !== generation) {
      this.current.set(this.always);
      this.generation = generation;
    }
    this.current[bit >>> 5] |= 1 << (bit & 31);
  }

  /** Candidate bits for this request. */
  bits(generation: number): Uint32Array {
    return this.generation === generation ? this.current : this.always;
  }
}

export interface RuleRef {
  readonly policy: PolicyCandidates;
  readonly bit: number;
}

type RefSet = Set<RuleRef>;

/** What a policy registered, to undo it when the policy is replaced or removed. */
export interface Registration {
  readonly entries: { map: Map<unknown, RefSet> | null; key: unknown; set: RefSet; ref: RuleRef }[];
  readonly netLengths: number[];
}

function addTo<K>(map: Map<K, RefSet>, key: K, ref: RuleRef, reg: Registration): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(ref);
  reg.entries.push({ map: map as Map<unknown, RefSet>, key, set, ref });
}

export class RuleKeyIndex {
  private readonly bySa = new Map<string, RefSet>();
  private readonly byMethod = new Map<string, RefSet>();
  private readonly byNet = new Map<number, RefSet>();
  private readonly netLenCount = new Array<number>(33).fill(0);
  private netLens: number[] = [];

  /** File the rules of one policy; returns the candidates object and the registration. */
  register(rules: readonly CompiledRule[], slotRefs: (slot: IpSetSlot) => RefSet): { candidates: PolicyCandidates; registration: Registration } {
    const candidates = new PolicyCandidates(rules.length);
    const registration: Registration = { entries: [], netLengths: [] };
    rules.forEach((rule, bit) => {
      const ref: RuleRef = { policy: candidates, bit };
      const src = rule.src;
      if (src.ipSets !== null) {
        const set = slotRefs(src.ipSets[0]);
        set.add(ref);
        registration.entries.push({ map: null, key: undefined, set, ref });
        return;
      }
      if (src.saNames !== null) {
        for (const name of src.saNames) addTo(this.bySa, name, ref, registration);
        return;
      }
      if (rule.methods !== null && !rule.methods.has('*')) {
        for (const m of rule.methods) addTo(this.byMethod, m, ref, registration);
        return;
      }
      if (src.nets !== null && src.nets.every((n) => n !== undefined && n.ip.v4)) {
        for (const net of src.nets) {
          const cidr = net!;
          const len = cidr.prefixLength;
          addTo(this.byNet, netKey(len, cidr.ip.v4 ? cidr.ip.n : 0), ref, registration);
          this.netLenCount[len]++;
          registration.netLengths.push(len);
        }
        this.netLens = activeLengths(this.netLenCount);
        return;
      }
      candidates.always[bit >>> 5] |= 1 << (bit & 31);
    });
    return { candidates, registration };
  }

  unregister(registration: Registration): void {
    for (const { map, key, set, ref } of registration.entries) {
      set.delete(ref);
      if (map !== null && set.size === 0 && map.get(key) === set) map.delete(key);
    }
    if (registration.netLengths.length > 0) {
      for (const len of registration.netLengths) this.netLenCount[len]--;
      this.netLens = activeLengths(this.netLenCount);
    }
  }

  /** Mark, for this request, every rule filed under one of the request's SA / method / net keys. */
  collect(source: PeerContext, method: string, generation: number): void {
    if (source.identity === 'spiffe') mark(this.bySa.get(source.serviceAccount), generation);
    mark(this.byMethod.get(method), generation);
    const ip = source.ip();
    if (ip !== undefined && ip.v4) {
      const lens = this.netLens;
      for (let i = 0; i < lens.length; i++) mark(this.byNet.get(netKey(lens[i], ip.n)), generation);
    }
  }
}

export function mark(refs: RefSet | undefined, generation: number): void {
  if (refs === undefined) return;
  for (const ref of refs) ref.policy.add(ref.bit, generation);
}

function netKey(len: number, n: number): number {
  return len * V4_KEY_BASE + (len === 0 ? 0 : n >>> (32 - len));
}

function activeLengths(counts: number[]): number[] {
  const out: number[] = [];
  for (let len = 0; len < counts.length; len++) if (counts[len] > 0) out.push(len);
  return out;
}
