// IP sets as the real checker matches them (spec-dikastes §3.6 item 8, §9 items 27-28):
// - IP: the request address string compared literally (no IPv6 normalisation);
// - IP_AND_PORT: the literal key "<address>,<tcp|udp>:<port>" built from the peer being tested;
// - NET: a prefix lookup that, like Calico's trie with its /24 bitmap shortcut, only finds members
//   of length <= /24 (IPv4) or <= /120 (IPv6) and exact /32 (/128) hosts. /25../31 and /121../127
//   members are kept (so deltas stay exact) but never match.
import { IPSetType } from '@alpsim/proto';
import { parseCIDR } from './ip';
import type { PeerContext } from './request';

const V4_KEY_BASE = 4294967296; // len * 2^32 + masked value stays an exact double

export function ipSetTypeOf(raw: unknown): IPSetType | undefined {
  if (raw === undefined || raw === null || raw === 0 || raw === 'IP') return IPSetType.IP;
  if (raw === 1 || raw === 'IP_AND_PORT') return IPSetType.IP_AND_PORT;
  if (raw === 2 || raw === 'NET') return IPSetType.NET;
  return undefined;
}

function v4Dead(len: number): boolean {
  return len > 24 && len < 32;
}
function v6Dead(len: number): boolean {
  return len > 120 && len < 128;
}

export class CompiledIpSet {
  readonly members = new Set<string>();
  // NET index: masked key -> how many raw members map to it.
  private readonly v4Index = new Map<number, number>();
  private readonly v6Index = new Map<string, number>();
  private readonly v4LenCount = new Array<number>(33).fill(0);
  private readonly v6LenCount = new Array<number>(129).fill(0);
  private v4Lens: number[] = [];
  private v6Lens: number[] = [];
  // Per-request memo: [generation, result] for source (0) and destination (1) peers.
  private memoGen0 = -1;
  private memo0 = false;
  private memoGen1 = -1;
  private memo1 = false;

  constructor(readonly id: string, readonly type: IPSetType) {}

  /** Adds one member; returns an error text for a member the real checker would crash on. */
  add(member: string): string | undefined {
    if (this.members.has(member)) return undefined;
    if (this.type === IPSetType.NET) {
      const error = this.indexNet(member, +1);
      if (error) return error;
    }
    this.members.add(member);
    return undefined;
  }

  remove(member: string): void {
    if (!this.members.delete(member)) return;
    if (this.type === IPSetType.NET) this.indexNet(member, -1);
  }

  private indexNet(member: string, delta: 1 | -1): string | undefined {
    if (!member.includes('/')) return `NET member ${JSON.stringify(member)} has no prefix length`;
    const cidr = parseCIDR(member);
    if (!cidr) return `NET member ${JSON.stringify(member)} is not a CIDR`;
    const len = cidr.prefixLength;
    if (cidr.ip.v4) {
      if (v4Dead(len)) return undefined;
      const key = len * V4_KEY_BASE + (len === 0 ? 0 : cidr.ip.n >>> (32 - len));
      const count = (this.v4Index.get(key) ?? 0) + delta;
      if (count <= 0) this.v4Index.delete(key);
      else this.v4Index.set(key, count);
      this.v4LenCount[len] += delta;
      this.v4Lens = activeLengths(this.v4LenCount);
    } else {
      if (v6Dead(len)) return undefined;
      const w = cidr.ip.w;
      const key = `${len}:${w[0]}:${w[1]}:${w[2]}:${w[3]}`;
      const count = (this.v6Index.get(key) ?? 0) + delta;
      if (count <= 0) this.v6Index.delete(key);
      else this.v6Index.set(key, count);
      this.v6LenCount[len] += delta;
      this.v6Lens = activeLengths(this.v6LenCount);
    }
    return undefined;
  }

  /** Whether the peer's address (and, for IP_AND_PORT, protocol and port) is in the set. */
  containsPeer(peer: PeerContext): boolean {
    const gen = peer.generation;
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
    switch (this.type) {
      case IPSetType.IP:
        return this.members.has(peer.address);
      case IPSetType.IP_AND_PORT:
        return this.members.has(peer.ipAndPortKey());
      default: {
        const ip = peer.ip();
        if (!ip) return false;
        if (ip.v4) {
          const lens = this.v4Lens;
          for (let i = 0; i < lens.length; i++) {
            const len = lens[i];
            if (this.v4Index.has(len * V4_KEY_BASE + (len === 0 ? 0 : ip.n >>> (32 - len)))) return true;
          }
          return false;
        }
        const lens = this.v6Lens;
        for (let i = 0; i < lens.length; i++) {
          if (this.v6Index.has(peer.v6Key(lens[i]))) return true;
        }
        return false;
      }
    }
  }
}

function activeLengths(counts: number[]): number[] {
  const out: number[] = [];
  for (let len = counts.length - 1; len >= 0; len--) if (counts[len] > 0) out.push(len);
  return out;
}
