// v3 Rule → felix proto Rule, as libcalico-go's update processors + Felix's RuleScanner do it
// (spec §3.6–3.8): entity selector rewriting, negative folding, named-port IP sets, rule ids.
import { createHash } from 'node:crypto';
import { messageType, IPSetType, type Rule, type PortRange, type Profile } from '@alpsim/proto';
import { canonicalCidr } from './net';
import { parsePort } from './ports';
import { selector } from './selectors';
import { decodeProtocol } from './validate';
import type { Compat } from './types';

/** An IP set the rules need (membership is computed later, over the whole cluster). */
export interface IPSetDef {
  id: string;
  type: IPSetType;
  /** Canonical selector. */
  selector: string;
  namedPort?: { protocol: 'tcp' | 'udp'; name: string };
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (s: unknown): s is string => typeof s === 'string' && s !== '';

function b64sha224(text: string): string {
  return createHash('sha224').update(text).digest('base64url');
}

/** `s:` + base64url(SHA-224("s:" + canonical)). */
export function selectorIPSetId(canonicalSelector: string): string {
  return 's:' + b64sha224('s:' + canonicalSelector);
}

/** `n:` + base64url(SHA-224("n:" + selectorSetId + "," + proto + "," + portName)). */
export function namedPortIPSetId(canonicalSelector: string, protocol: 'tcp' | 'udp', portName: string): string {
  return 'n:' + b64sha224(`n:${selectorIPSetId(canonicalSelector)},${protocol},${portName}`);
}

// ---------------------------------------------------------------------------------------------
// §3.6 entity-rule selector rewriting.

export interface EntitySelectors {
  /** v1 positive selector ("" = none). */
  selector: string;
  /** v1 negative selector ("" = none), passed through unmodified. */
  notSelector: string;
}

export function entityRuleSelectors(entity: Record<string, any> | undefined, policyNamespace: string, compat: Compat): EntitySelectors {
  const e = entity ?? {};
  const nsSel: string | undefined = nonEmpty(e.namespaceSelector) ? e.namespaceSelector : undefined;
  let nsPart = '';
  if (nsSel !== undefined) {
    if (compat !== '3.2' && nsSel.trim() === 'global()') nsPart = '!has(projectcalico.org/namespace)';
    else
      nsPart = selector(nsSel, compat)
        .mapLabels((k) => 'pcns.' + k)
        .canonical.split('all()')
        .join('has(projectcalico.org/namespace)');
  } else if (policyNamespace) {
    nsPart = `projectcalico.org/namespace == '${policyNamespace}'`;
  }

  let saPart = '';
  if (isObj(e.serviceAccounts)) {
    const sa = e.serviceAccounts;
    const selPart = nonEmpty(sa.selector) ? selector(sa.selector, compat).mapLabels((k) => 'pcsa.' + k).canonical : '';
    const names: string[] = Array.isArray(sa.names) ? sa.names.filter((n: unknown) => typeof n === 'string') : [];
    let namesPart = '';
    let namesUnparsable = false;
    if (names.length) {
      try {
        namesPart = selector(`projectcalico.org/serviceaccount in { ${names.map((n) => `'${n}'`).join(', ')} }`, compat).canonical;
      } catch {
        namesUnparsable = true; // a name with a quote (names are not validated)
      }
    }
    // libcalico-go's parseServiceAccounts logs and returns "" for the whole SA part in that case.
    saPart = namesUnparsable ? '' : selPart && namesPart ? `(${selPart}) && (${namesPart})` : selPart || namesPart;
  }

  // A blank (whitespace-only) selector is valid and means all(); spell it out so that wrapping it in
  // `(…) && (…)` or `!(…)` still parses (Felix would fail on `( )`; spec silent, see README).
  const blankAsAll = (sel: string) => (sel.trim() === '' ? 'all()' : sel);
  const parts = [saPart, nonEmpty(e.selector) ? blankAsAll(e.selector) : ''].filter((p) => p !== '');
  const endpointPart = parts.length === 2 ? `(${parts[0]}) && (${parts[1]})` : parts[0] ?? '';
  const notSelector = nonEmpty(e.notSelector) ? blankAsAll(e.notSelector) : '';

  let final = endpointPart;
  if (nsPart && (endpointPart !== '' || notSelector !== '' || nsSel !== undefined)) {
    final = endpointPart ? `(${nsPart}) && (${endpointPart})` : nsPart;
  }
  return { selector: final, notSelector };
}

// ---------------------------------------------------------------------------------------------
// Rule conversion + RuleScanner.

export interface ConvertedRules {
  rules: Rule[];
  ipSets: IPSetDef[];
}

function splitPorts(values: unknown): { ranges: PortRange[]; names: string[] } {
  const ranges: PortRange[] = [];
  const names: string[] = [];
  if (!Array.isArray(values)) return { ranges, names };
  for (const v of values) {
    const p = parsePort(v);
    if (!p.ok) continue; // validated earlier
    if (p.value.kind === 'range') ranges.push({ first: p.value.first, last: p.value.last });
    else names.push(p.value.name);
  }
  return { ranges, names };
}

function protoProtocol(p: unknown): { number?: number; name?: string } | undefined {
  if (p === undefined || p === null) return undefined;
  const d = decodeProtocol(p);
  if (d.number !== undefined) return { number: d.number };
  if (d.name !== undefined) return { name: d.name.toLowerCase() };
  return undefined;
}

function nets(values: unknown): string[] {
  if (!Array.isArray(values)) return [];
  return values.map((v) => canonicalCidr(String(v))).filter((v): v is string => v !== undefined);
}

const ACTION_MAP: Record<string, string> = { Allow: 'allow', Deny: 'deny', Log: 'log', Pass: 'next-tier' };

/**
 * Converts a list of v3 rules. `policyNamespace` is '' for GNPs and profiles. `seed` is the rule-id
 * seed (`pol-in-default/<name>`, `prof-out-<name>`...).
 */
export function convertRules(v3rules: unknown, policyNamespace: string, seed: string, compat: Compat): ConvertedRules {
  const out: Rule[] = [];
  const ipSets: IPSetDef[] = [];
  const list = Array.isArray(v3rules) ? v3rules.filter(isObj) : [];
  for (const r of list) out.push(convertRule(r, policyNamespace, compat, ipSets));
  assignRuleIds(out, seed);
  return { rules: out, ipSets };
}

function convertRule(r: Record<string, any>, ns: string, compat: Compat, ipSets: IPSetDef[]): Rule {
  const rule: Rule = {};
  const set = <K extends keyof Rule>(k: K, v: Rule[K] | undefined) => {
    if (v === undefined) return;
    if (Array.isArray(v) && v.length === 0) return;
    if (typeof v === 'string' && v === '') return;
    rule[k] = v;
  };
  set('action', ACTION_MAP[r.action] ?? String(r.action ?? '').toLowerCase());

  const protocol = protoProtocol(r.protocol);
  let ipVersion: number | undefined = r.ipVersion === 4 || r.ipVersion === 6 ? r.ipVersion : undefined;
  if (ipVersion === undefined && protocol?.name === 'icmp') ipVersion = 4;
  if (ipVersion === undefined && protocol?.name === 'icmpv6') ipVersion = 6;
  set('ipVersion', ipVersion);
  set('protocol', protocol);
  set('notProtocol', protoProtocol(r.notProtocol));
  if (isObj(r.icmp) && typeof r.icmp.type === 'number') {
    if (typeof r.icmp.code === 'number') rule.icmpTypeCode = { type: r.icmp.type, code: r.icmp.code };
    else rule.icmpType = r.icmp.type;
  }
  if (isObj(r.notICMP) && typeof r.notICMP.type === 'number') {
    if (typeof r.notICMP.code === 'number') rule.notIcmpTypeCode = { type: r.notICMP.type, code: r.notICMP.code };
    else rule.notIcmpType = r.notICMP.type;
  }

  // Named-port protocol: UDP only if the rule's protocol is UDP (name or 17), else TCP.
  const namedProto: 'tcp' | 'udp' = protocol?.name === 'udp' || protocol?.number === 17 ? 'udp' : 'tcp';

  for (const side of ['src', 'dst'] as const) {
    const ent: Record<string, any> = (side === 'src' ? r.source : r.destination) ?? {};
    const cap = side === 'src' ? 'Src' : 'Dst';
    set(`${side}Net` as 'srcNet', nets(ent.nets));
    set(`not${cap}Net` as 'notSrcNet', nets(ent.notNets));
    const ports = splitPorts(ent.ports);
    const notPorts = splitPorts(ent.notPorts);
    set(`${side}Ports` as 'srcPorts', ports.ranges);
    set(`not${cap}Ports` as 'notSrcPorts', notPorts.ranges);

    const { selector: pos, notSelector: neg } = entityRuleSelectors(ent, ns, compat);
    // §3.7 step 1: fold the negative selector into the positive one when both exist.
    let positive = pos;
    let negative = neg;
    if (positive && negative) {
      positive = `(${positive}) && (!(${negative}))`;
      negative = '';
    }
    const positiveCanonical = positive ? selector(positive, compat).canonical : '';
    const namedFilter = positiveCanonical || 'all()';
    const namedIds = (names: string[]) =>
      names.map((name) => {
        const id = namedPortIPSetId(namedFilter, namedProto, name);
        ipSets.push({ id, type: IPSetType.IP_AND_PORT, selector: namedFilter, namedPort: { protocol: namedProto, name } });
        return id;
      });
    set(`${side}NamedPortIpSetIds` as 'srcNamedPortIpSetIds', namedIds(ports.names));
    set(`not${cap}NamedPortIpSetIds` as 'notSrcNamedPortIpSetIds', namedIds(notPorts.names));
    if (positiveCanonical && (ports.names.length === 0 || ports.ranges.length > 0)) {
      const id = selectorIPSetId(positiveCanonical);
      ipSets.push({ id, type: IPSetType.NET, selector: positiveCanonical });
      set(`${side}IpSetIds` as 'srcIpSetIds', [id]);
    }
    if (negative) {
      const c = selector(negative, compat).canonical;
      const id = selectorIPSetId(c);
      ipSets.push({ id, type: IPSetType.NET, selector: c });
      set(`not${cap}IpSetIds` as 'notSrcIpSetIds', [id]);
    }
  }

  // Pass-through originals (raw user strings).
  set('originalSrcSelector', r.source?.selector);
  set('originalDstSelector', r.destination?.selector);
  set('originalSrcNamespaceSelector', r.source?.namespaceSelector);
  set('originalDstNamespaceSelector', r.destination?.namespaceSelector);
  set('originalNotSrcSelector', r.source?.notSelector);
  set('originalNotDstSelector', r.destination?.notSelector);
  for (const side of ['src', 'dst'] as const) {
    const sa = (side === 'src' ? r.source : r.destination)?.serviceAccounts;
    if (!isObj(sa)) continue;
    const names: string[] = Array.isArray(sa.names) ? sa.names : [];
    const sel: string = typeof sa.selector === 'string' ? sa.selector : '';
    if (names.length === 0 && sel === '') continue;
    const m: { selector?: string; names?: string[] } = {};
    if (sel) m.selector = sel;
    if (names.length) m.names = [...names];
    rule[`${side}ServiceAccountMatch` as 'srcServiceAccountMatch'] = m;
  }
  if (isObj(r.http)) {
    const h: { methods?: string[]; paths?: { exact?: string; prefix?: string }[] } = {};
    if (Array.isArray(r.http.methods) && r.http.methods.length) h.methods = [...r.http.methods];
    if (Array.isArray(r.http.paths)) {
      const paths: { exact?: string; prefix?: string }[] = [];
      for (const p of r.http.paths) {
        if (!isObj(p)) continue;
        // As Felix's rule_convert: an empty string counts as unset.
        if (typeof p.exact === 'string' && p.exact !== '') paths.push({ exact: p.exact });
        else if (typeof p.prefix === 'string' && p.prefix !== '') paths.push({ prefix: p.prefix });
      }
      if (paths.length) h.paths = paths;
    }
    rule.httpMatch = h;
  }
  if (compat !== '3.2' && isObj(r.metadata) && isObj(r.metadata.annotations) && Object.keys(r.metadata.annotations).length) {
    rule.metadata = { annotations: { ...r.metadata.annotations } };
  }
  return rule;
}

// ---------------------------------------------------------------------------------------------
// §3.8 rule ids: h0 = SHA-224(seed); hi = SHA-224(h(i-1) ‖ bytes(rule without id)); id = b64url(hi)[:16].

const RuleType = messageType('felix.Rule');

/** gogo (proto3) omits zero scalars inside messages; protobufjs writes any field that is set. */
function withoutZeroScalars<T extends { type?: number; code?: number }>(m: T): T {
  const out = { ...m };
  if (out.type === 0) delete out.type;
  if (out.code === 0) delete out.code;
  return out;
}

export function ruleBytes(rule: Rule): Uint8Array {
  const copy = { ...rule };
  delete copy.ruleId;
  // Only IcmpTypeAndCode can carry a zero scalar (type 0 echo-reply, code 0); the oneof members
  // icmp_type/not_icmp_type keep their zero, as gogo writes set oneof fields.
  if (copy.icmpTypeCode) copy.icmpTypeCode = withoutZeroScalars(copy.icmpTypeCode);
  if (copy.notIcmpTypeCode) copy.notIcmpTypeCode = withoutZeroScalars(copy.notIcmpTypeCode);
  return RuleType.encode(RuleType.fromObject(copy)).finish();
}

export function assignRuleIds(rules: Rule[], seed: string): void {
  let h = createHash('sha224').update(seed).digest();
  for (const rule of rules) {
    h = createHash('sha224').update(h).update(ruleBytes(rule)).digest();
    rule.ruleId = h.toString('base64url').slice(0, 16);
  }
}

/** Profile proto from v3-style rule lists; `name` seeds the rule ids (`prof-in-<name>`). */
export function convertProfile(name: string, ingress: unknown, egress: unknown, compat: Compat): { profile: Profile; ipSets: IPSetDef[] } {
  const inb = convertRules(ingress, '', `prof-in-${name}`, compat);
  const outb = convertRules(egress, '', `prof-out-${name}`, compat);
  const profile: Profile = {};
  if (inb.rules.length) profile.inboundRules = inb.rules;
  if (outb.rules.length) profile.outboundRules = outb.rules;
  return { profile, ipSets: [...inb.ipSets, ...outb.ipSets] };
}

export function ipSetIdsOfRules(rules: Rule[] | undefined): string[] {
  const ids: string[] = [];
  for (const r of rules ?? []) {
    for (const f of [
      r.srcIpSetIds, r.dstIpSetIds, r.notSrcIpSetIds, r.notDstIpSetIds,
      r.srcNamedPortIpSetIds, r.dstNamedPortIpSetIds, r.notSrcNamedPortIpSetIds, r.notDstNamedPortIpSetIds,
    ]) if (f) ids.push(...f);
  }
  return ids;
}
