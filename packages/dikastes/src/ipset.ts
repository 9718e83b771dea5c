// IP sets as the real checker matches them (spec-dikastes §3.6 item 8, §9 items 27-28):
// - IP: the request address string compared literally (no IPv6 normalisation);
// - IP_AND_PORT: the literal key "<address>,<tcp|udp>:<port>" built from the peer being tested;
// - NET: a prefix lookup that, like Calico's trie with its /24 bitmap shortcut, only finds members
//   of length <= /24 (IPv4) or <= /120 (IPv6) and exact /32 (/128) hosts. /25../31 and /121../127
//   members are kept (so deltas stay exact) but never match.
//
// Speed: all NET sets of a store share one prefix index (masked prefix -> sets holding it). A
// Check looks the address up once per prefix length in use and marks the sets that contain it;
// every rule's NET-set clause is then a field compare, whatever the number of sets.
import { IPSetType } from '@alpsim/proto';
import { maskV4, maskV6, parseIP, v4Mask, type ParsedCIDR } from './ip';
import type { RuleRef } from './keyindex';
import type { PeerContext } from './request';

const V4_KEY_BASE = 4294967296; // len * 2^32 + masked value stays an exact double

export function ipSetTypeOf(raw: unknown): IPSetType | undefined {
  if (raw === undefined || raw === null || raw === 0 || raw === 'IP') return IPSetType.IP;
  if (raw === 1 || raw === 'IP_AND_PORT') return IPSetType.IP_AND_PORT;
  if (raw === 2 || raw === 'NET') return IPSetType.NET;
  return undefined;
}

/**
 * A NET member as the real store reads it (policystore parseCIDR + trie insert): the text before the
 * first `/` is an address (Go net.ParseIP), the text after it a decimal length (anything after a
 * second `/` is ignored). An address that is IPv4 (incl. IPv4-mapped IPv6) with length <= 32 is an
 * IPv4 prefix; any other address with length <= 128 goes to the IPv6 trie in its 16-byte form (so
 * `10.0.0.0/64` is the IPv6 prefix ::/64). The member is the prefix, not the text: `10.1.0.0/8`
 * and `10.0.0.0/8` are the same member. Returns an error text where the real one panics.
 */
export function parseNetMember(member: string): { key: string; cidr: ParsedCIDR } | string {
  const parts = member.split('/');
  if (parts.length < 2) return `NET member ${JSON.stringify(member)} has no prefix length`;
  if (!/^[0-9]+$/.test(parts[1])) return `NET member ${JSON.stringify(member)} has a bad prefix length`;
  const len = Number(parts[1]);
  const ip = parseIP(parts[0]);
  if (ip === undefined) return `NET member ${JSON.stringify(member)} is not a CIDR`;
  if (ip.v4 && len <= 32) {
    const n = maskV4(ip.n, len);
    return { key: `4/${n}/${len}`, cidr: { ip: { v4: true, n }, prefixLength: len, mask: v4Mask(len) } };
  }
  if (len > 128) return `NET member ${JSON.stringify(member)} has an invalid mask length`;
  const w = maskV6(ip.v4 ? [0, 0, 0xffff, ip.n >>> 0] : ip.w, len);
  return { key: `6/${w.join(':')}/${len}`, cidr: { ip: { v4: false, w }, prefixLength: len, mask: 0 } };
}

function v4Key(len: number, n: number): number {
  return len * V4_KEY_BASE + (len === 0 ? 0 : n >>> (32 - len));
}

function v6Key(len: number, w: readonly number[]): string {
  return `${len}:${w[0]}:${w[1]}:${w[2]}:${w[3]}`;
}

/** Store-wide prefix index of every NET set. */
export class NetIndex {
  private readonly v4 = new Map<number, Entry>();
  private readonly v6 = new Map<string, Entry>();
  private readonly v4LenCount = new Array<number>(33).fill(0);
  private readonly v6LenCount = new Array<number>(129).fill(0);
  private v4Lens: number[] = [];
  private v6Lens: number[] = [];

  /** Index one member; false when its length is one the real trie never finds. */
  update(set: CompiledIpSet, cidr: ParsedCIDR, delta: 1 | -1): void {
    const len = cidr.prefixLength;
    if (cidr.ip.v4) {
      if (len > 24 && len < 32) return;
      bump(this.v4, v4Key(len, cidr.ip.n), set, delta);
      this.v4LenCount[len] += delta;
      this.v4Lens = activeLengths(this.v4LenCount);
    } else {
      if (len > 120 && len < 128) return;
      bump(this.v6, v6Key(len, cidr.ip.w), set, delta);
      this.v6LenCount[len] += delta;
      this.v6Lens = activeLengths(this.v6LenCount);
    }
  }

  /**
   * Mark every NET set that contains the peer's address, for this request, and report each to `onSet`.
   */
  mark(peer: PeerContext, onSet?: (set: CompiledIpSet) => void): void {
    peer.netIndex = this;
    const ip = peer.ip();
    if (!ip) return;
    const side = peer.side;
    const gen = peer.generation;
    if (ip.v4) {
      const lens = this.v4Lens;
      for (let i = 0; i < lens.length; i++) {
        const hit = this.v4.get(v4Key(lens[i], ip.n));
        if (hit !== undefined) markEntry(hit, side, gen, onSet);
      }
    } else {
      const lens = this.v6Lens;
      for (let i = 0; i < lens.length; i++) {
        const hit = this.v6.get(peer.v6Key(lens[i]));
        if (hit !== undefined) markEntry(hit, side, gen, onSet);
      }
    }
  }
}

/**
 * Index entry: the one set holding a prefix (the common case, no extra allocation), or a map of
 * sets to how many of their raw members map to that prefix.
 */
type Entry = CompiledIpSet | Map<CompiledIpSet, number>;

function bump<K>(map: Map<K, Entry>, key: K, set: CompiledIpSet, delta: 1 | -1): void {
  const entry = map.get(key);
  if (entry === undefined) {
    if (delta > 0) map.set(key, set);
    return;
  }
  if (entry instanceof CompiledIpSet) {
    if (entry === set) {
      if (delta < 0) map.delete(key);
      else map.set(key, new Map([[set, 2]]));
    } else if (delta > 0) {
      map.set(key, new Map([[entry, 1], [set, 1]]));
    }
    return;
  }
  const count = (entry.get(set) ?? 0) + delta;
  if (count > 0) entry.set(set, count);
  else entry.delete(set);
  if (entry.size === 0) map.delete(key);
}

function markEntry(entry: Entry, side: 0 | 1, gen: number, onSet: ((set: CompiledIpSet) => void) | undefined): void {
  if (entry instanceof CompiledIpSet) entry.markNet(side, gen, onSet);
  else for (const set of entry.keys()) set.markNet(side, gen, onSet);
}

function activeLengths(counts: number[]): number[] {
  const out: number[] = [];
  for (let len = counts.length - 1; len >= 0; len--) if (counts[len] > 0) out.push(len);
  return out;
}

export class CompiledIpSet {
  /** Member texts; for NET one text per prefix held (the first spelling that added it). */
  readonly members = new Set<string>();
  // NET: marks set by NetIndex.mark for the current request (source 0 / destination 1).
  private netGen0 = -1;
  private netGen1 = -1;
  // IP / IP_AND_PORT: per-request memo.
  private memoGen0 = -1;
  private memo0 = false;
  private memoGen1 = -1;
  private memo1 = false;
  private attached = true;

  constructor(
    readonly id: string,
    readonly type: IPSetType,
    private readonly index: NetIndex,
  ) {}

  /** NET: canonical prefix key -> the member text that added it and its parsed prefix. */
  private readonly prefixes = new Map<string, { text: string; cidr: ParsedCIDR }>();

  /** Adds one member; returns an error text for a member the real checker would crash on. */
  add(member: string): string | undefined {
    if (this.type !== IPSetType.NET) {
      this.members.add(member);
      return undefined;
    }
    const parsed = parseNetMember(member);
    if (typeof parsed === 'string') return parsed;
    // The real set is a trie of prefixes: adding a prefix it holds (in any spelling) changes nothing.
    if (this.prefixes.has(parsed.key)) return undefined;
    this.prefixes.set(parsed.key, { text: member, cidr: parsed.cidr });
    if (this.attached) this.index.update(this, parsed.cidr, +1);
    this.members.add(member);
    return undefined;
  }

  remove(member: string): void {
    if (this.type !== IPSetType.NET) {
      this.members.delete(member);
      return;
    }
    const parsed = parseNetMember(member);
    if (typeof parsed === 'string') return;
    const held = this.prefixes.get(parsed.key);
    if (held === undefined) return;
    this.prefixes.delete(parsed.key);
    this.members.delete(held.text);
    if (this.attached) this.index.update(this, held.cidr, -1);
  }

  /** Take this set out of the store's prefix index (it was replaced or removed). */
  detach(): void {
    if (!this.attached) return;
    for (const { cidr } of this.prefixes.values()) this.index.update(this, cidr, -1);
    this.attached = false;
  }

  /** Slot index of this set in its store (-1 until stored). */
  slotIndex = -1;

  markNet(side: 0 | 1, gen: number, onSet?: (set: CompiledIpSet) => void): void {
    if (side === 0) this.netGen0 = gen;
    else this.netGen1 = gen;
    if (onSet !== undefined) onSet(this);
  }


  /** Whether the peer's address (and, for IP_AND_PORT, protocol and port) is in the set. */
  containsPeer(peer: PeerContext): boolean {
    const gen = peer.generation;
    if (this.type === IPSetType.NET) {
      if (peer.netIndex !== this.index) this.index.mark(peer);
      return (peer.side === 0 ? this.netGen0 : this.netGen1) === gen;
    }
    if (peer.side === 0) {
      if (this.memoGen0 === gen) return this.memo0;
      this.memo0 = this.lookup(peer);
      this.memoGen0 = gen;
      return this.memo0;
    }
    if (this.memoGen1 === gen) return this.memo1;
    this.memo1 = this.lookup(peer);
    this.memoGen1 = gen;
    return this.memo1;
  }

  private lookup(peer: PeerContext): boolean {
    return this.type === IPSetType.IP ? this.members.has(peer.address) : this.members.has(peer.ipAndPortKey());
  }
}

/** A stable handle on an IP-set id: rules hold it, updates swap the set behind it. */
export interface IpSetSlot {
  readonly id: string;
  /** Dense number of the slot in its store (index into per-request membership tables). */
  readonly index: number;
  set: CompiledIpSet | undefined;
  /** Rules filed under this set as their key clause (see keyindex.ts). */
  readonly refs: Set<RuleRef>;
}
