// A compact, cache-friendly pre-check of a policy's rules. For each rule it keeps, in one Int32Array,
// the clauses that can be tested with integer compares: a single IPv4 source net, a single
// destination port range, the L4 protocol and the first source IP set (through a per-request
// membership table). A rule that fails one of them cannot match, so the full matcher runs only on
// the rules that pass. This is used only when no rule of the policy can end the check with
// INVALID_ARGUMENT or reach a missing IP set (then clause order would matter and the exact walk runs).
import type { CompiledRule } from './rules';

const STRIDE = 8;
const F_SRC_NET = 1;
const F_DST_PORT = 2;
const F_PROTO = 4;
const F_SRC_SET = 8;
const F_SRC_PORT = 16;
/** Slot-table entry that is stamped with every request's generation ("always a member"). */
export const ALWAYS_SLOT = 0;

/** Protocol codes: 1 tcp, 2 udp, 3 a protocol clause that can never match. */
export function protocolCode(name: string): number {
  return name === 'tcp' ? 1 : name === 'udp' ? 2 : 0;
}

export class RuleFilter {
  private readonly data: Int32Array;
  readonly size: number;
  /** Some rule has HTTP paths (so an invalid request path needs the exact walk). */
  readonly hasPathRules: boolean;

  constructor(rules: readonly CompiledRule[]) {
    this.size = rules.length;
    this.data = new Int32Array(rules.length * STRIDE);
    let hasPaths = false;
    rules.forEach((rule, i) => {
      const o = i * STRIDE;
      let flags = 0;
      if (rule.paths !== null) hasPaths = true;
      const nets = rule.src.nets;
      if (nets !== null && nets.length === 1 && nets[0] !== undefined && nets[0].ip.v4) {
        flags |= F_SRC_NET;
        this.data[o + 1] = nets[0].ip.n;
        this.data[o + 2] = nets[0].mask;
      }
      const ports = rule.dst.ports;
      if (ports !== null && ports.length === 2 && rule.dst.namedPortSets === null) {
        flags |= F_DST_PORT;
        // Clamped to the port numbers the fast path sees (0..65535) so the branch-free compare
        // cannot overflow int32; the verdict for such ports is unchanged.
        this.data[o + 3] = Math.max(ports[0], 0);
        this.data[o + 4] = Math.max(Math.min(ports[1], 0xffff), -1);
      }
      const p = rule.protocol;
      if (p !== null) {
        const code = p.kind === 'name' ? protocolCode(p.name) : p.kind === 'number' ? (p.number === 6 ? 1 : 3) : 3;
        if (code !== 0) {
          flags |= F_PROTO;
          this.data[o + 5] = code;
        }
      }
      const sports = rule.src.ports;
      if (sports !== null && sports.length === 2 && rule.src.namedPortSets === null && sports[0] >= 0 && sports[1] >= 0 && sports[0] <= 0xffff && sports[1] <= 0xffff) {
        flags |= F_SRC_PORT;
        this.data[o + 7] = sports[0] | (sports[1] << 16);
      }
      const sets = rule.src.ipSets;
      if (sets !== null) {
        flags |= F_SRC_SET;
        this.data[o + 6] = sets[0].index;
      }
      this.data[o] = flags;
      // Neutral values make absent clauses pass in the branch-free loop.
      if ((flags & F_SRC_NET) === 0) {
        this.data[o + 1] = 0;
        this.data[o + 2] = 0;
      }
      if ((flags & F_DST_PORT) === 0) {
        this.data[o + 3] = 0;
        this.data[o + 4] = 0x7fffffff;
      }
      if ((flags & F_SRC_SET) === 0) this.data[o + 6] = ALWAYS_SLOT;
      if ((flags & F_SRC_PORT) === 0) this.data[o + 7] = 0xffff << 16;
    });
    this.hasPathRules = hasPaths;
  }

  /**
   * Whether rule `i` passes the pre-check (all inputs as for next(); `srcPort` clamped to 0..65535).
   */
  passes(
    i: number,
    srcIsV4: boolean,
    srcV4: number,
    dstPort: number,
    srcPort: number,
    protoCode: number,
    srcSetIn: Float64Array,
    generation: number,
  ): boolean {
    const a = this.data;
    const o = i << 3;
    const f = a[o];
    if (f === 0) return true;
    if ((f & F_SRC_NET) !== 0 && (!srcIsV4 || (srcV4 & a[o + 2]) !== a[o + 1])) return false;
    if ((f & F_DST_PORT) !== 0 && (dstPort < a[o + 3] || dstPort > a[o + 4])) return false;
    if ((f & F_SRC_PORT) !== 0 && (srcPort < (a[o + 7] & 0xffff) || srcPort > a[o + 7] >>> 16)) return false;
    if ((f & F_PROTO) !== 0 && a[o + 5] !== protoCode) return false;
    if ((f & F_SRC_SET) !== 0 && srcSetIn[a[o + 6]] !== generation) return false;
    return true;
  }

  /**
   * Index of the first rule at or after `from` that passes the pre-check, or -1.
   * `srcV4` is the source IPv4 as int32 (only meaningful when `srcIsV4`), `protoCode` per protocolCode.
   */
  next(
    from: number,
    srcIsV4: boolean,
    srcV4: number,
    dstPort: number,
    srcPort: number,
    protoCode: number,
    srcSetIn: Float64Array,
    generation: number,
  ): number {
    const a = this.data;
    const n = this.size;
    if (srcIsV4) {
      // One well-predicted branch per rule: every clause folds into `bad`.
      for (let i = from; i < n; i++) {
        const o = i << 3;
        const proto = a[o + 5];
        const bad =
          ((srcV4 & a[o + 2]) ^ a[o + 1]) |
          (((dstPort - a[o + 3]) | (a[o + 4] - dstPort)) >> 31) |
          (((srcPort - (a[o + 7] & 0xffff)) | ((a[o + 7] >>> 16) - srcPort)) >> 31) |
          (proto * (proto ^ protoCode));
        if (bad === 0 && srcSetIn[a[o + 6]] === generation) return i;
      }
      return -1;
    }
    for (let i = from; i < n; i++) {
      const o = i * STRIDE;
      const f = a[o];
      if (f !== 0) {
        if ((f & F_SRC_NET) !== 0 && (!srcIsV4 || (srcV4 & a[o + 2]) !== a[o + 1])) continue;
        if ((f & F_DST_PORT) !== 0 && (dstPort < a[o + 3] || dstPort > a[o + 4])) continue;
        if ((f & F_SRC_PORT) !== 0 && (srcPort < (a[o + 7] & 0xffff) || srcPort > a[o + 7] >>> 16)) continue;
        if ((f & F_PROTO) !== 0 && a[o + 5] !== protoCode) continue;
        if ((f & F_SRC_SET) !== 0 && srcSetIn[a[o + 6]] !== generation) continue;
      }
      return i;
    }
    return -1;
  }
}
