// IP address / CIDR parsing and Go-compatible rendering (net.IPNet.String()).

export interface ParsedCidr {
  version: 4 | 6;
  /** 4 or 16 bytes. */
  bytes: number[];
  prefix: number;
  /** True when a bare IP was given (implied /32 or /128). */
  bare: boolean;
}

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    // Go rejects leading zeros in IPv4 octets (since 1.17); so do we.
    if (p.length > 1 && p[0] === '0') return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseIPv6(s: string): number[] | undefined {
  if (s.includes('%')) return undefined;
  let tail4: number[] = [];
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail4 = v4;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const groups = h.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !rest) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array(missing).fill(0), ...rest];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tail4.length) bytes.splice(12, 4, ...tail4);
  return bytes;
}

export function parseIP(s: string): { version: 4 | 6; bytes: number[] } | undefined {
  if (s.includes(':')) {
    const b = parseIPv6(s);
    return b ? { version: 6, bytes: b } : undefined;
  }
  const b = parseIPv4(s);
  return b ? { version: 4, bytes: b } : undefined;
}

/** Parses "a.b.c.d/n", "v6/n" or a bare address. */
export function parseCidr(s: string): ParsedCidr | undefined {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIP(addr);
  if (!ip) return undefined;
  const max = ip.version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { version: ip.version, bytes: ip.bytes, prefix, bare: slash < 0 };
}

export function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
    return b & mask;
  });
}

/** True when no host bits are set. */
export function isStrictlyMasked(c: ParsedCidr): boolean {
  const masked = maskBytes(c.bytes, c.prefix);
  return masked.every((b, i) => b === c.bytes[i]);
}

/** Go's net.IP.String() for 4- or 16-byte addresses (RFC 5952 compression). */
export function formatIP(version: 4 | 6, bytes: number[]): string {
  if (version === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // Longest run of >= 2 zero groups, first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Renders the masked network the way Felix does (`10.1.2.3` ⇒ `10.1.2.3/32`). */
export function canonicalCidr(s: string): string | undefined {
  const c = parseCidr(s);
  if (!c) return undefined;
  return `${formatIP(c.version, maskBytes(c.bytes, c.prefix))}/${c.prefix}`;
}

/** Host address as a CIDR (`/32` or `/128`), canonical rendering. */
export function hostCidr(ip: string): string | undefined {
  const p = parseIP(ip);
  if (!p) return undefined;
  return `${formatIP(p.version, p.bytes)}/${p.version === 4 ? 32 : 128}`;
}

export function canonicalIP(ip: string): string | undefined {
  const p = parseIP(ip);
  return p ? formatIP(p.version, p.bytes) : undefined;
}
