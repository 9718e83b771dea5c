// Kubernetes kinds: the OpenAPI validation shipped by kubernetes-models (types, required fields, enums)
// plus the handful of API-server rules alpsim relies on.
import { Pod } from 'kubernetes-models/v1/Pod';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { ErrorObject } from 'ajv';
import type { FieldPath, Issue } from './errors';
import type { KindInfo } from './kinds';
import { parseCidr, parseIP } from './net';
import { isValidK8sPortName } from './ports';
import { ajvIssues } from './schemas';
import { K8S_FIELDS, K8S_ROOT_TYPES } from './k8s-fields';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  Pod, Namespace, ServiceAccount, Service, Deployment, StatefulSet, DaemonSet, K8sNetworkPolicy: NetworkPolicy,
};

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateK8sObject(info: KindInfo, obj: Record<string, any>): Issue[] {
  const issues: Issue[] = [];
  const Model = MODELS[info.kind];
  if (Model) {
    try {
      new Model(obj).validate();
    } catch (err) {
      const errors = (err as { errors?: ErrorObject[] }).errors;
      if (!errors) throw err;
      for (const e of errors) if (e.data === undefined) e.data = valueAt(obj, e.instancePath);
      // metadata problems are reported by our own metadata check.
      issues.push(...ajvIssues(errors.filter((e) => !e.instancePath.startsWith('/metadata')), [], '3.28'));
    }
  }
  // kubectl's strict field validation: a field the type does not have is an error.
  const root = K8S_ROOT_TYPES[info.kind];
  if (root) strictFields(obj, root, [], issues, true);
  if (issues.length) return issues;
  const push = (path: FieldPath, message: string) => issues.push({ path, message });
  checkIpAnnotation(obj.metadata, ['metadata'], push);
  if (isObj(obj.spec?.template)) checkIpAnnotation(obj.spec.template.metadata, ['spec', 'template', 'metadata'], push);
  switch (info.kind) {
    case 'Pod':
      checkPodSpec(obj.spec, ['spec'], push);
      checkPodStatus(obj.status, push);
      break;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      checkWorkloadController(obj, push);
      break;
    case 'K8sNetworkPolicy':
      checkK8sNetworkPolicy(obj.spec, push);
      break;
    default:
      break;
  }
  return issues;
}

function checkPodSpec(spec: unknown, at: FieldPath, push: (p: FieldPath, m: string) => void): void {
  if (!isObj(spec)) return;
  const names = new Set<string>();
  (spec.containers ?? []).forEach((c: any, i: number) => {
    (c?.ports ?? []).forEach((p: any, j: number) => {
      const where = [...at, 'containers', i, 'ports', j];
      if (typeof p.containerPort === 'number' && (p.containerPort < 1 || p.containerPort > 65535)) push([...where, 'containerPort'], 'expected a port number between 1 and 65535');
      if (p.name !== undefined) {
        if (!isValidK8sPortName(p.name)) push([...where, 'name'], 'expected an IANA service name (at most 15 lower-case alphanumeric or \'-\', with a letter)');
        else if (names.has(p.name)) push([...where, 'name'], `duplicate port name "${p.name}"`);
        else names.add(p.name);
      }
    });
  });
  if (spec.serviceAccountName !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(spec.serviceAccountName))
    push([...at, 'serviceAccountName'], 'expected a DNS-1123 subdomain');
}

function checkPodStatus(status: unknown, push: (p: FieldPath, m: string) => void): void {
  if (!isObj(status)) return;
  if (typeof status.podIP === 'string' && status.podIP !== '' && !parseIP(status.podIP)) push(['status', 'podIP'], `expected an IP address, got "${status.podIP}"`);
  (Array.isArray(status.podIPs) ? status.podIPs : []).forEach((p: any, i: number) => {
    if (typeof p?.ip === 'string' && !parseIP(p.ip)) push(['status', 'podIPs', i, 'ip'], `expected an IP address, got "${p.ip}"`);
  });
}

function checkWorkloadController(obj: Record<string, any>, push: (p: FieldPath, m: string) => void): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (typeof spec.replicas === 'number' && (spec.replicas < 0 || !Number.isInteger(spec.replicas))) push(['spec', 'replicas'], 'expected a non-negative integer');
  const tpl = spec.template;
  if (!isObj(tpl)) return;
  checkPodSpec(tpl.spec, ['spec', 'template', 'spec'], push);
  // The API server requires the selector to match the template labels.
  const ml = spec.selector?.matchLabels;
  const labels = tpl.metadata?.labels ?? {};
  if (isObj(ml)) {
    for (const [k, v] of Object.entries(ml)) {
      if (labels[k] !== v) push(['spec', 'selector', 'matchLabels', k], '`selector` does not match template `labels`');
    }
  }
}

function checkK8sNetworkPolicy(spec: unknown, push: (p: FieldPath, m: string) => void): void {
  if (!isObj(spec)) return;
  for (const dir of ['ingress', 'egress'] as const) {
    (spec[dir] ?? []).forEach((r: any, i: number) => {
      const peers = dir === 'ingress' ? r?.from : r?.to;
      const peerField = dir === 'ingress' ? 'from' : 'to';
      (peers ?? []).forEach((peer: any, j: number) => {
        const at: FieldPath = ['spec', dir, i, peerField, j];
        if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector)) push(at, 'may not specify both ipBlock and another peer');
        if (!peer.ipBlock && !peer.podSelector && !peer.namespaceSelector) push(at, 'must specify a peer');
        if (peer.ipBlock) {
          const c = parseCidr(peer.ipBlock.cidr ?? '');
          if (!c || c.bare) push([...at, 'ipBlock', 'cidr'], `expected a CIDR, got "${peer.ipBlock.cidr}"`);
          (peer.ipBlock.except ?? []).forEach((e: string, k: number) => {
            const ec = parseCidr(e);
            if (!ec || ec.bare) push([...at, 'ipBlock', 'except', k], `expected a CIDR, got "${e}"`);
          });
        }
      });
      (r?.ports ?? []).forEach((p: any, j: number) => {
        const at: FieldPath = ['spec', dir, i, 'ports', j];
        if (typeof p.port === 'string' && !isValidK8sPortName(p.port)) push([...at, 'port'], 'expected a port number or IANA port name');
        if (typeof p.port === 'number' && (p.port < 1 || p.port > 65535)) push([...at, 'port'], 'expected a port number between 1 and 65535');
        if (p.endPort !== undefined && (typeof p.port !== 'number' || p.endPort < p.port)) push([...at, 'endPort'], 'endPort requires a numeric port and must be >= port');
      });
    });
  }
}

function valueAt(obj: unknown, instancePath: string): unknown {
  let cur: any = obj;
  for (const seg of instancePath.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function checkIpAnnotation(meta: unknown, at: FieldPath, push: (p: FieldPath, m: string) => void): void {
  const v = isObj(meta) && isObj(meta.annotations) ? meta.annotations['alpsim.io/ip'] : undefined;
  if (typeof v !== 'string') return;
  const bad = v.split(',').map((s) => s.trim()).filter((s) => !parseIP(s));
  if (bad.length || v.trim() === '') push([...at, 'annotations', 'alpsim.io/ip'], `expected comma-separated IP addresses, got "${v}"`);
}

function strictFields(value: unknown, type: string, at: FieldPath, issues: Issue[], isRoot = false): void {
  const fields = K8S_FIELDS[type];
  if (!fields || Object.keys(fields).length === 0) return; // scalar alias or free-form
  if (Array.isArray(value)) {
    value.forEach((item, i) => strictFields(item, type, [...at, i], issues));
    return;
  }
  if (!isObj(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (isRoot && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue; // checked by validateMetadata / kind lookup
    if (!(key in fields)) {
      if (!isRoot) {
        const known = Object.keys(fields).sort();
        const close = known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? known.find((k) => editDistance(k, key) <= 2);
        const hint = close ? `; did you mean "${close}"?` : known.length <= 25 ? `; expected one of: ${known.join(', ')}` : '';
        issues.push({ path: [...at, key], atKey: true, message: `unknown field "${key}"${hint}` });
      }
      continue;
    }
    const childType = fields[key];
    if (childType) strictFields(child, childType, [...at, key], issues);
  }
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
