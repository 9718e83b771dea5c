// The resource kinds alpsim understands, keyed by apiVersion + kind.
import type { ResourceKind } from './types';

export interface KindInfo {
  kind: ResourceKind;
  apiVersion: string;
  /** The `kind:` field as written. */
  yamlKind: string;
  namespaced: boolean;
}

const LIST: KindInfo[] = [
  { kind: 'NetworkPolicy', apiVersion: 'projectcalico.org/v3', yamlKind: 'NetworkPolicy', namespaced: true },
  { kind: 'GlobalNetworkPolicy', apiVersion: 'projectcalico.org/v3', yamlKind: 'GlobalNetworkPolicy', namespaced: false },
  { kind: 'NetworkSet', apiVersion: 'projectcalico.org/v3', yamlKind: 'NetworkSet', namespaced: true },
  { kind: 'GlobalNetworkSet', apiVersion: 'projectcalico.org/v3', yamlKind: 'GlobalNetworkSet', namespaced: false },
  { kind: 'Tier', apiVersion: 'projectcalico.org/v3', yamlKind: 'Tier', namespaced: false },
  { kind: 'Profile', apiVersion: 'projectcalico.org/v3', yamlKind: 'Profile', namespaced: false },
  { kind: 'Namespace', apiVersion: 'v1', yamlKind: 'Namespace', namespaced: false },
  { kind: 'ServiceAccount', apiVersion: 'v1', yamlKind: 'ServiceAccount', namespaced: true },
  { kind: 'Pod', apiVersion: 'v1', yamlKind: 'Pod', namespaced: true },
  { kind: 'Service', apiVersion: 'v1', yamlKind: 'Service', namespaced: true },
  { kind: 'Deployment', apiVersion: 'apps/v1', yamlKind: 'Deployment', namespaced: true },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', yamlKind: 'StatefulSet', namespaced: true },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', yamlKind: 'DaemonSet', namespaced: true },
  { kind: 'K8sNetworkPolicy', apiVersion: 'networking.k8s.io/v1', yamlKind: 'NetworkPolicy', namespaced: true },
];

const BY_KEY = new Map(LIST.map((k) => [`${k.apiVersion} ${k.yamlKind}`, k]));
const BY_KIND = new Map(LIST.map((k) => [k.kind, k]));

export function lookupKind(apiVersion: unknown, kind: unknown): KindInfo | undefined {
  return BY_KEY.get(`${String(apiVersion)} ${String(kind)}`);
}

export function kindInfo(kind: ResourceKind): KindInfo {
  const k = BY_KIND.get(kind);
  if (!k) throw new Error(`unknown kind ${kind}`);
  return k;
}

export function supportedKindsText(): string {
  return LIST.map((k) => `${k.apiVersion} ${k.yamlKind}`).join(', ');
}

/** Accepts "gnp", "GlobalNetworkPolicy", "networkpolicy", "k8snetworkpolicy"... for CLI/refs. */
export function parseKindName(name: string): ResourceKind | undefined {
  const n = name.toLowerCase();
  const aliases: Record<string, ResourceKind> = {
    np: 'NetworkPolicy',
    gnp: 'GlobalNetworkPolicy',
    netset: 'NetworkSet',
    gns: 'GlobalNetworkSet',
    ns: 'Namespace',
    sa: 'ServiceAccount',
    knp: 'K8sNetworkPolicy',
  };
  if (aliases[n]) return aliases[n];
  for (const k of LIST) if (k.kind.toLowerCase() === n) return k.kind;
  return undefined;
}

/** "<Kind> <ns>/<name>" or "<Kind> <name>" as used in error messages. */
export function describeResource(kind: ResourceKind | string, namespace: string, name: string): string {
  const k = kind === 'K8sNetworkPolicy' ? 'NetworkPolicy(networking.k8s.io)' : kind;
  return namespace ? `${k} ${namespace}/${name}` : `${k} ${name}`;
}
