// IP address and CIDR parsing with the semantics of Go's net package as the real checker uses it:
// an IPv4-mapped IPv6 address counts as IPv4 (net.IP.To4); a net whose masked address is IPv4-mapped
// acts as an IPv4 net (IPNet.Contains converts it with To4 and keeps the last 32 mask bits, so
// `::ffff:10.0.0.0/104` is 10.0.0.0/8 and `::ffff:0:0/96` is 0.0.0.0/0); otherwise an address never
// matches a net of the other family (not even `::/0`).

/** IPv4 addresses are kept as signed 32-bit integers (cheap to mask and compare in V8). */
export interface ParsedIPv4 { readonly v4: true; readonly n: number }
export interface ParsedIPv6 { readonly v4: false; readonly w: readonly [number, number, number, number] }
export type ParsedIP = ParsedIPv4 | ParsedIPv6;

export interface ParsedCIDR {
  readonly ip: ParsedIP;
  readonly prefixLength: number;
  /** IPv4 only: the network mask (signed 32-bit). */
  readonly mask: number;
}

function parseIPv4Words(text: string): number | undefined {
  let value = 0;
  let octets = 0;
  let i = 0;
  const len = text.length;
  while (i <= len) {
    let digits = 0;
    let octet = 0;
    const start = i;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      digits++;
      i++;
    }
    // Go >= 1.17 rejects leading zeros; empty octets and octets > 255 are invalid.
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return undefined;
    value = value * 256 + octet;
    octets++;
    if (i === len) break;
    if (text.charCodeAt(i) !== 46 || octets === 4) return undefined;
    i++;
  }
  return octets === 4 ? value | 0 : undefined;
}

function parseIPv6Words(text: string): [number, number, number, number] | undefined {
  const groups: number[] = [];
  let ellipsis = -1;
  let i = 0;
  const len = text.length;
  if (len === 0) return undefined;
  if (text.startsWith('::')) {
    ellipsis = 0;
    i = 2;
    if (i === len) return [0, 0, 0, 0];
  }
  while (i < len) {
    // Dotted IPv4 tail.
    const rest = text.slice(i);
    if (!rest.includes(':') && rest.includes('.')) {
      const v4 = parseIPv4Words(rest);
      if (v4 === undefined || groups.length > 6) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
      i = len;
      break;
    }
    let value = 0;
    let digits = 0;
    while (i < len && digits <= 4) {
      const c = text.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      value = value * 16 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4) return undefined;
    groups.push(value);
    if (groups.length > 8) return undefined;
    if (i === len) break;
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i < len && text.charCodeAt(i) === 58) {
      if (ellipsis >= 0) return undefined;
      ellipsis = groups.length;
      i++;
      if (i === len) break;
    } else if (i === len) {
      return undefined; // trailing single colon
    }
  }
  if (ellipsis >= 0) {
    if (groups.length >= 8) return undefined;
    const fill = 8 - groups.length;
    groups.splice(ellipsis, 0, ...new Array<number>(fill).fill(0));
  } else if (groups.length !== 8) {
    return undefined;
  }
  return [
    ((groups[0] << 16) | groups[1]) >>> 0,
    ((groups[2] << 16) | groups[3]) >>> 0,
    ((groups[4] << 16) | groups[5]) >>> 0,
    ((groups[6] << 16) | groups[7]) >>> 0,
  ];
}

/** Like Go's net.ParseIP followed by To4(): returns undefined for anything that is not an address. */
export function parseIP(text: string): ParsedIP | undefined {
  if (text.length === 0) return undefined;
  if (!text.includes(':')) {
    const n = parseIPv4Words(text);
    return n === undefined ? undefined : { v4: true, n };
  }
  const w = parseIPv6Words(text);
  if (w === undefined) return undefined;
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { v4: true, n: w[3] | 0 };
  return { v4: false, w };
}

/** Like Go's net.ParseCIDR: `addr/len`, family fixed by how the address is written. */
export function parseCIDR(text: string): ParsedCIDR | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  // Go's dtoi: decimal digits only, leading zeros allowed.
  if (!/^[0-9]+$/.test(lenText)) return undefined;
  const prefixLength = Number(lenText);
  const v4 = addr.includes(':') ? undefined : parseIPv4Words(addr);
  if (v4 !== undefined) {
    if (prefixLength > 32) return undefined;
    return { ip: { v4: true, n: maskV4(v4, prefixLength) }, prefixLength, mask: v4Mask(prefixLength) };
  }
  const w = parseIPv6Words(addr);
  if (w === undefined || prefixLength > 128) return undefined;
  const masked = maskV6(w, prefixLength);
  if (masked[0] === 0 && masked[1] === 0 && masked[2] === 0xffff) {
    // Only possible with prefixLength >= 96: Go then matches it as an IPv4 net.
    const len = prefixLength - 96;
    return { ip: { v4: true, n: maskV4(masked[3] | 0, len) }, prefixLength: len, mask: v4Mask(len) };
  }
  return { ip: { v4: false, w: masked }, prefixLength, mask: 0 };
}

/** Network mask of a prefix length as a signed 32-bit integer. */
export function v4Mask(prefixLength: number): number {
  return prefixLength <= 0 ? 0 : prefixLength >= 32 ? -1 : ~0 << (32 - prefixLength);
}

export function maskV4(n: number, prefixLength: number): number {
  return n & v4Mask(prefixLength);
}

export function maskV6(w: readonly number[], prefixLength: number): [number, number, number, number] {
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const bits = prefixLength - i * 32;
    out[i] = bits >= 32 ? w[i] >>> 0 : bits <= 0 ? 0 : (w[i] & (~0 << (32 - bits))) >>> 0;
  }
  return out;
}

/** net.IPNet.Contains: same family only, then a masked compare. */
export function cidrContains(cidr: ParsedCIDR, ip: ParsedIP): boolean {
  if (cidr.ip.v4) {
    return ip.v4 && (ip.n & cidr.mask) === cidr.ip.n;
  }
  if (ip.v4) return false;
  const net = cidr.ip.w;
  const len = cidr.prefixLength;
  for (let i = 0; i < 4; i++) {
    const bits = len - i * 32;
    if (bits <= 0) break;
    const m = bits >= 32 ? -1 : ~0 << (32 - bits);
    if ((ip.w[i] & m) >>> 0 !== net[i]) return false;
  }
  return true;
}
