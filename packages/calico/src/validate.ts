// Validation like calicoctl + the Kubernetes API server: structure (CRD schemas, strict fields) and the
// semantic rules of libcalico-go's v3 validator (spec §5).
import type { FieldPath, Issue } from './errors';
import { describeResource, lookupKind, supportedKindsText, type KindInfo } from './kinds';
import { parseCidr, isStrictlyMasked } from './net';
import { parsePort } from './ports';
import { hasSpecSchema, validateSpecSchema } from './schemas';
import { selectorProblem, usesGlobal } from './selectors';
import { validateK8sObject } from './k8s-validate';
import type { Compat, LoadedResource } from './types';

export interface ValidationResult {
  resource?: LoadedResource;
  /** "<Kind> <ns/name>" for messages ('' if unidentifiable). */
  label: string;
  issues: Issue[];
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const OBJECT_META_FIELDS = new Set([
  'name', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'generateName', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences', 'finalizers',
  'managedFields', 'selfLink',
]);

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (!prefix || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

/** Validates one document (already known to be a map). */
export function validateResource(obj: Record<string, any>, compat: Compat): ValidationResult {
  const issues: Issue[] = [];
  const info = lookupKind(obj.apiVersion, obj.kind);
  if (!info) {
    const where: FieldPath = obj.kind === undefined ? [] : ['kind'];
    const got = obj.kind === undefined ? 'no kind' : `apiVersion ${JSON.stringify(obj.apiVersion)} kind ${JSON.stringify(obj.kind)}`;
    issues.push({ path: where, message: `unsupported resource (${got}); expected one of: ${supportedKindsText()}` });
    return { label: '', issues };
  }
  const meta = isObj(obj.metadata) ? obj.metadata : undefined;
  const name = typeof meta?.name === 'string' ? meta.name : '';
  let namespace = '';
  if (info.namespaced) namespace = typeof meta?.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  const label = describeResource(info.kind, namespace, name || '<unnamed>');

  if (info.kind === 'Tier' && compat !== '3.29') {
    issues.push({ path: ['kind'], message: 'Tier resources exist from Calico v3.29; use compat 3.29' });
  }

  // Top-level fields.
  const topAllowed = new Set(['apiVersion', 'kind', 'metadata', 'spec']);
  if (['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'Service', 'Namespace', 'K8sNetworkPolicy'].includes(info.kind)) topAllowed.add('status');
  if (info.kind === 'ServiceAccount') {
    topAllowed.delete('spec');
    for (const f of ['secrets', 'imagePullSecrets', 'automountServiceAccountToken']) topAllowed.add(f);
  }
  for (const k of Object.keys(obj)) {
    if (!topAllowed.has(k)) issues.push({ path: [k], atKey: true, message: `unknown field "${k}"; expected one of: ${[...topAllowed].join(', ')}` });
  }

  validateMetadata(obj.metadata, info, compat, issues);
  if (hasSpecSchema(info.kind)) {
    if (obj.spec !== undefined && !isObj(obj.spec)) issues.push({ path: ['spec'], message: 'expected a map' });
    else {
      issues.push(...validateSpecSchema(info.kind, obj.spec ?? {}, compat));
      validateCalicoSemantics(info, name, obj.spec ?? {}, compat, issues);
    }
  } else {
    issues.push(...validateK8sObject(info, obj));
  }
  const resource: LoadedResource = { kind: info.kind, apiVersion: info.apiVersion, namespace, name, object: obj };
  return { resource: issues.length ? undefined : resource, label, issues };
}

function validateMetadata(meta: unknown, info: KindInfo, compat: Compat, issues: Issue[]): void {
  if (!isObj(meta)) {
    issues.push({ path: meta === undefined ? [] : ['metadata'], message: 'expected metadata with a name' });
    return;
  }
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) issues.push({ path: ['metadata', k], atKey: true, message: `unknown field "${k}" in metadata` });
  }
  const name = meta.name;
  if (typeof name !== 'string' || name === '') {
    issues.push({ path: ['metadata', ...(name === undefined ? [] : ['name'])], message: 'required field "name" is missing or not a string' });
  } else {
    const problem = nameProblem(info, name, compat);
    if (problem) issues.push({ path: ['metadata', 'name'], message: problem });
  }
  if (meta.namespace !== undefined) {
    if (!info.namespaced) issues.push({ path: ['metadata', 'namespace'], message: `${info.yamlKind} is cluster-scoped: namespace must not be set` });
    else if (typeof meta.namespace !== 'string' || !DNS1123_LABEL.test(meta.namespace) || meta.namespace.length > 63)
      issues.push({ path: ['metadata', 'namespace'], message: 'expected a DNS-1123 label (lower case alphanumeric characters or \'-\', at most 63)' });
  }
  for (const field of ['labels', 'annotations'] as const) {
    const m = meta[field];
    if (m === undefined || m === null) continue;
    if (!isObj(m)) {
      issues.push({ path: ['metadata', field], message: 'expected a map of strings' });
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      if (!isQualifiedName(k)) issues.push({ path: ['metadata', field, k], atKey: true, message: `invalid ${field === 'labels' ? 'label' : 'annotation'} key "${k}": expected a qualified name ([prefix/]name, name ≤ 63 alphanumeric, '-', '_' or '.')` });
      if (typeof v !== 'string') issues.push({ path: ['metadata', field, k], message: `expected a string value, got ${JSON.stringify(v)}` });
      else if (field === 'labels' && (v.length > 63 || !LABEL_VALUE.test(v)))
        issues.push({ path: ['metadata', field, k], message: `invalid label value "${v}": expected at most 63 alphanumeric characters, '-', '_' or '.', starting and ending alphanumeric` });
    }
    if (field === 'annotations') {
      const size = Object.entries(m).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 0), 0);
      if (size > 256 * 1024) issues.push({ path: ['metadata', 'annotations'], message: `annotations may not exceed 256 KiB in total (got ${size} bytes)` });
    }
    if (field === 'labels' && info.kind === 'GlobalNetworkSet' && 'projectcalico.org/namespace' in m) {
      issues.push({ path: ['metadata', 'labels', 'projectcalico.org/namespace'], atKey: true, message: 'label projectcalico.org/namespace is reserved and not allowed on a GlobalNetworkSet' });
    }
  }
}

function nameProblem(info: KindInfo, name: string, compat: Compat): string | undefined {
  const dnsLabelMsg = "name must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  const dnsSubMsg = "name must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  if (name.length > 253) return 'name must be at most 253 characters';
  switch (info.kind) {
    case 'NetworkPolicy': {
      if (DNS1123_LABEL.test(name)) return undefined;
      const m = /^(knp|ossg)\.default\.(.+)$/.exec(name);
      if (m && DNS1123_SUBDOMAIN.test(m[2])) return undefined;
      if (compat === '3.29' && /^[a-z0-9-]+\.[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) return undefined; // <tier>.<name>
      return `${dnsLabelMsg} (or be knp.default.<name> / ossg.default.<name>)`;
    }
    case 'GlobalNetworkPolicy':
      if (DNS1123_LABEL.test(name)) return undefined;
      if (compat === '3.29' && /^[a-z0-9-]+\.[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) return undefined;
      return dnsLabelMsg;
    case 'Namespace':
    case 'Tier':
      return DNS1123_LABEL.test(name) && name.length <= 63 ? undefined : `${dnsLabelMsg} (at most 63 characters)`;
    case 'Service':
      return DNS1123_LABEL.test(name) && name.length <= 63 ? undefined : `${dnsLabelMsg} (at most 63 characters)`;
    default:
      return DNS1123_SUBDOMAIN.test(name) ? undefined : dnsSubMsg;
  }
}

// ---------------------------------------------------------------------------------------------
// Calico semantic rules.

const ACTIONS = ['Allow', 'Deny', 'Log', 'Pass'];
const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'];
const BUILTIN_TIERS = ['default', 'kube-admin', 'kube-baseline'];

/** Protocol as number/name after calicoctl decoding (numeric strings become numbers). */
export function decodeProtocol(p: unknown): { number?: number; name?: string; problem?: string } {
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 1 || p > 255) return { problem: 'protocol number invalid: expected 1-255' };
    return { number: p };
  }
  if (typeof p === 'string') {
    if (/^\d+$/.test(p)) return decodeProtocol(Number(p));
    if (!PROTOCOL_NAMES.includes(p)) return { problem: `protocol name invalid: expected one of ${PROTOCOL_NAMES.join(', ')} (exact case) or 1-255, got "${p}"` };
    return { name: p };
  }
  return { problem: 'expected a protocol name or number' };
}

function validateCalicoSemantics(info: KindInfo, name: string, spec: Record<string, any>, compat: Compat, issues: Issue[]): void {
  const push = (path: FieldPath, message: string) => issues.push({ path, message });
  const checkSelector = (path: FieldPath, value: unknown, opts: { allowGlobalAlone?: boolean } = {}) => {
    if (typeof value !== 'string') return;
    const problem = selectorProblem(value, compat);
    if (problem) return push(path, problem);
    if (compat !== '3.2' && usesGlobal(value)) {
      const alone = value.trim() === 'global()';
      if (!opts.allowGlobalAlone) push(path, 'global() is only allowed (alone) in a rule namespaceSelector');
      else if (!alone) push(path, 'global() must be used alone in a namespaceSelector');
    }
  };

  switch (info.kind) {
    case 'NetworkSet':
    case 'GlobalNetworkSet':
      (Array.isArray(spec.nets) ? spec.nets : []).forEach((n: unknown, i: number) => {
        if (typeof n === 'string' && !parseCidr(n)) push(['spec', 'nets', i], `expected an IP address or CIDR, got "${n}"`);
      });
      return;
    case 'Tier':
      if (BUILTIN_TIERS.includes(name)) push(['metadata', 'name'], `tier "${name}" is built in and cannot be defined`);
      return;
    case 'Profile':
      if (isObj(spec.labelsToApply)) {
        for (const k of Object.keys(spec.labelsToApply)) {
          if (!isQualifiedName(k)) issues.push({ path: ['spec', 'labelsToApply', k], atKey: true, message: `invalid label key "${k}": expected a qualified name` });
        }
      }
      validateRules(spec, ['ingress', 'egress'], { kind: info.kind, compat, checkSelector, push });
      return;
    default:
      break;
  }

  // NetworkPolicy / GlobalNetworkPolicy.
  checkSelector(['spec', 'selector'], spec.selector);
  checkSelector(['spec', 'namespaceSelector'], spec.namespaceSelector);
  checkSelector(['spec', 'serviceAccountSelector'], spec.serviceAccountSelector);
  if (Array.isArray(spec.types)) {
    const seen = new Set<string>();
    spec.types.forEach((t: unknown, i: number) => {
      if (t !== 'Ingress' && t !== 'Egress') push(['spec', 'types', i], `expected Ingress or Egress (exact case), got ${JSON.stringify(t)}`);
      else if (seen.has(t)) push(['spec', 'types', i], `'${t}' type specified more than once`);
      else seen.add(t);
    });
  }
  if (compat === '3.29') {
    const tier = typeof spec.tier === 'string' && spec.tier !== '' ? spec.tier : 'default';
    if (!DNS1123_LABEL.test(tier)) push(['spec', 'tier'], 'expected a tier name (DNS-1123 label)');
    else if (tier !== 'default' && !name.startsWith(`${tier}.`)) push(['metadata', 'name'], `policy name must be prefixed with its tier: "${tier}.<name>"`);
    else if (tier === 'default' && name.includes('.') && !name.startsWith('default.') && !/^(knp|ossg)\.default\./.test(name))
      push(['metadata', 'name'], `a name "<tier>.<name>" requires spec.tier "${name.split('.')[0]}"`);
  }
  if (info.kind === 'GlobalNetworkPolicy') {
    if (spec.doNotTrack === true && spec.preDNAT === true) push(['spec', 'preDNAT'], 'preDNAT and doNotTrack cannot both be true');
    if (spec.preDNAT === true) {
      if (Array.isArray(spec.egress) && spec.egress.length > 0) push(['spec', 'egress'], 'preDNAT policy cannot have any egress rules');
      if (Array.isArray(spec.types) && spec.types.includes('Egress')) push(['spec', 'types'], 'preDNAT policy cannot have \'Egress\' type');
    }
    if ((spec.doNotTrack === true || spec.preDNAT === true) && spec.applyOnForward !== true)
      push(['spec', 'applyOnForward'], 'applyOnForward must be true if either preDNAT or doNotTrack is true');
  }
  validateRules(spec, ['ingress', 'egress'], { kind: info.kind, compat, checkSelector, push });
}

interface RuleCtx {
  kind: string;
  compat: Compat;
  checkSelector: (path: FieldPath, value: unknown, opts?: { allowGlobalAlone?: boolean }) => void;
  push: (path: FieldPath, message: string) => void;
}

function validateRules(spec: Record<string, any>, dirs: ('ingress' | 'egress')[], ctx: RuleCtx): void {
  for (const dir of dirs) {
    const rules = spec[dir];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, i) => {
      if (isObj(rule)) validateRule(rule, ['spec', dir, i], dir, ctx);
    });
  }
}

function validateRule(rule: Record<string, any>, at: FieldPath, dir: 'ingress' | 'egress', ctx: RuleCtx): void {
  const { push, compat } = ctx;
  if (typeof rule.action === 'string' && !ACTIONS.includes(rule.action))
    push([...at, 'action'], `expected one of ${ACTIONS.join(', ')} (exact case), got "${rule.action}"`);
  if (rule.ipVersion !== undefined && rule.ipVersion !== 4 && rule.ipVersion !== 6) push([...at, 'ipVersion'], `expected 4 or 6, got ${JSON.stringify(rule.ipVersion)}`);

  const proto = rule.protocol === undefined ? undefined : decodeProtocol(rule.protocol);
  if (proto?.problem) push([...at, 'protocol'], proto.problem);
  if (rule.notProtocol !== undefined) {
    const np = decodeProtocol(rule.notProtocol);
    if (np.problem) push([...at, 'notProtocol'], np.problem);
  }

  // HTTP (ALP). The egress check is per policy kind (not Profiles); the Allow-only check is a rule
  // check, so it applies to Profile rules too (libcalico-go validateRule).
  if (rule.http !== undefined) {
    if (dir === 'egress' && ctx.kind !== 'Profile') push([...at, 'http'], 'HTTP match is not allowed in egress rule(s)');
    if (rule.action !== undefined && rule.action !== 'Allow') push([...at, 'http'], 'HTTP match is only valid for Allow rules');
  }
  if (isObj(rule.http)) {
    const methods = rule.http.methods;
    if (Array.isArray(methods) && new Set(methods).size !== methods.length) push([...at, 'http', 'methods'], 'Invalid methods (duplicates)');
    if (Array.isArray(rule.http.paths)) {
      rule.http.paths.forEach((p: unknown, j: number) => {
        if (!isObj(p)) return;
        const where = [...at, 'http', 'paths', j];
        // Go string fields: an empty value is the same as an absent one.
        const hasExact = p.exact !== undefined && p.exact !== '';
        const hasPrefix = p.prefix !== undefined && p.prefix !== '';
        if (hasExact && hasPrefix) push(where, "Both 'exact' and 'prefix' are set");
        else if (!hasExact && !hasPrefix) push(where, "Either 'exact' or 'prefix' must be set");
        else {
          const key = hasExact ? 'exact' : 'prefix';
          const v = p[key];
          if (typeof v === 'string' && (!v.startsWith('/') || /[? #]/.test(v)))
            push([...where, key], `expected a path starting with '/' and without '?', '#' or spaces, got "${v}"`);
        }
      });
    }
  }

  // Ports need TCP/UDP (SCTP from v3.? — allowed for modern compat).
  const portProtocolOk = proto && !proto.problem && (proto.name === 'TCP' || proto.name === 'UDP' || proto.number === 6 || proto.number === 17 ||
    (compat !== '3.2' && (proto.name === 'SCTP' || proto.number === 132)));
  for (const side of ['source', 'destination'] as const) {
    const ent = rule[side];
    if (!isObj(ent)) continue;
    const sp = [...at, side];
    for (const pf of ['ports', 'notPorts'] as const) {
      const ports = ent[pf];
      if (!Array.isArray(ports) || ports.length === 0) continue;
      if (!portProtocolOk) push([...sp, pf], 'rules that specify ports must set protocol to TCP or UDP' + (compat !== '3.2' ? ' or SCTP' : ''));
      ports.forEach((pv: unknown, j: number) => {
        if (typeof pv !== 'number' && typeof pv !== 'string') return; // schema reported it
        const r = parsePort(pv);
        if (!r.ok) push([...sp, pf, j], r.message);
      });
    }
    ctx.checkSelector([...sp, 'selector'], ent.selector);
    ctx.checkSelector([...sp, 'notSelector'], ent.notSelector);
    ctx.checkSelector([...sp, 'namespaceSelector'], ent.namespaceSelector, { allowGlobalAlone: true });
    if (isObj(ent.serviceAccounts)) ctx.checkSelector([...sp, 'serviceAccounts', 'selector'], ent.serviceAccounts.selector);
    if (ent.services !== undefined) push([...sp, 'services'], 'services matches are not supported by alpsim (no Service endpoint model)');
    validateNets(rule, ent, sp, at, push);
  }

  // ICMP. libcalico-go compares the Protocol value with ProtocolFromString("ICMP"/"ICMPv6"), so only
  // the names count (a numeric 1/58 is a different value), and only `icmp` (not `notICMP`) needs it.
  const notProto = rule.notProtocol === undefined ? undefined : decodeProtocol(rule.notProtocol);
  for (const f of ['icmp', 'notICMP'] as const) {
    const icmp = rule[f];
    if (!isObj(icmp)) continue;
    const p = [...at, f];
    if (typeof icmp.type === 'number' && (icmp.type < 0 || icmp.type > 254)) push([...p, 'type'], 'ICMP type must be between 0 and 254');
    if (typeof icmp.code === 'number' && (icmp.code < 0 || icmp.code > 255)) push([...p, 'code'], 'ICMP code must be between 0 and 255');
    if (icmp.code !== undefined && icmp.type === undefined) push([...p, 'code'], 'ICMP code specified without an ICMP type');
    if (f === 'icmp' && !(proto?.name === 'ICMP' || proto?.name === 'ICMPv6')) push(p, 'rules that specify ICMP fields must set protocol to ICMP');
  }
  const named = (name: string) => proto?.name === name || notProto?.name === name;
  if (named('ICMP') && rule.ipVersion !== undefined && rule.ipVersion !== 4) push([...at, 'ipVersion'], "must set ipversion to '4' with protocol icmp");
  if (named('ICMPv6') && rule.ipVersion !== undefined && rule.ipVersion !== 6) push([...at, 'ipVersion'], "must set ipversion to '6' with protocol icmpv6");
}

/** Strictly masked nets, one IP family per rule, matching ipVersion. */
function validateNets(rule: Record<string, any>, ent: Record<string, any>, sp: FieldPath, at: FieldPath, push: (p: FieldPath, m: string) => void): void {
  for (const nf of ['nets', 'notNets'] as const) {
    const nets = ent[nf];
    if (!Array.isArray(nets)) continue;
    nets.forEach((n: unknown, j: number) => {
      if (typeof n !== 'string') return;
      const c = parseCidr(n);
      if (!c) return push([...sp, nf, j], `expected an IP address or CIDR, got "${n}"`);
      if (!isStrictlyMasked(c)) return push([...sp, nf, j], `network "${n}" is not strictly masked (host bits set)`);
      if (rule.ipVersion === 4 || rule.ipVersion === 6) {
        if (c.version !== rule.ipVersion) push([...sp, nf, j], "rule IP version doesn't match CIDR version");
      }
    });
  }
  // Mixing is checked across the whole rule, reported once at the rule's last side that mixes.
  if (sp[sp.length - 1] === 'destination' || !isObj(rule.destination)) {
    const versions = new Set<number>();
    for (const side of ['source', 'destination']) {
      const e = rule[side];
      if (!isObj(e)) continue;
      for (const nf of ['nets', 'notNets']) {
        if (!Array.isArray(e[nf])) continue;
        for (const n of e[nf]) {
          const c = typeof n === 'string' ? parseCidr(n) : undefined;
          if (c) versions.add(c.version);
        }
      }
    }
    if (versions.size > 1) push(at, 'rule contains both IPv4 and IPv6 CIDRs');
  }
}
