// Kubernetes names and address checks for the export.
import { canonicalCidr } from '@alpsim/calico';

/** A DNS-1123 label (Job names): lower-case alphanumerics and '-', at most 63 characters. */
export function dns1123Name(text: string, fallback: string): string {
  let name = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '');
  if (name.length > 63) name = name.slice(0, 63).replace(/-+$/, '');
  return name || fallback;
}

/** A DNS-1035 label (Service names): like DNS-1123 but starting with a letter. */
export function dns1035Name(text: string, prefix: string): string {
  const name = dns1123Name(text, prefix);
  return /^[a-z]/.test(name) ? name : dns1123Name(`${prefix}-${name}`, prefix);
}

/** `base`, or `base-2`, `base-3`… (kept within 63 characters), whichever is not in `taken`. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = base.slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Whether `ip` lies inside `pool` (both IPv4 or both IPv6). */
export function ipInPool(ip: string, pool: string): boolean {
  const poolCanonical = canonicalCidr(pool);
  if (!poolCanonical) return false;
  const prefix = poolCanonical.slice(poolCanonical.indexOf('/') + 1);
  return canonicalCidr(`${ip}/${prefix}`) === poolCanonical;
}
