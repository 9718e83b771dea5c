import type { SourcePos } from './errors';

export type Verdict = 'allow' | 'deny';

/** The source of a request: a scenario workload (with its identity) or a bare address (no identity, plaintext). */
export type PeerRef = { kind: 'workload'; key: string } | { kind: 'ip'; ip: string };

export interface RequestSpec {
  /** Stable id inside the scenario: `requests[3]` or `steps[2].request`. */
  id: string;
  name: string;
  from: PeerRef;
  /** `<namespace>/<name>` of the destination workload (must have a sidecar). */
  to: string;
  /** Undefined until resolved: the destination's first port. */
  port?: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  expect: Verdict;
  pos: SourcePos;
}

export interface PortSpec {
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface WorkloadSpec {
  key: string;
  name: string;
  namespace: string;
  serviceAccount: string;
  labels: Record<string, string>;
  /** Scenario (cluster) IP; undefined = allocate one from 10.65.0.0/16. */
  ip?: string;
  ports: PortSpec[];
  sidecar: boolean;
  pos: SourcePos;
  /** Where it came from: the scenario's `workloads` list, or a Pod/Deployment resource. */
  origin: 'scenario' | 'resource';
}

/** A reference to Calico/Kubernetes resources: a file pattern relative to the scenario file, or an inline object. */
export type ResourceRef =
  | { kind: 'file'; pattern: string; baseDir: string; pos: SourcePos }
  /** `text` is the node's source, padded so that line/column numbers match the scenario file. */
  | { kind: 'inline'; object: Record<string, unknown>; pos: SourcePos; text: string };

export interface DeleteRef {
  kind: string;
  name: string;
  namespace?: string;
  pos: SourcePos;
}

export const FAULT_KINDS = ['felix-restart', 'dikastes-restart', 'dikastes-stop', 'dikastes-slow'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Step =
  | { kind: 'apply'; resources: ResourceRef[]; pos: SourcePos }
  | { kind: 'delete'; refs: DeleteRef[]; pos: SourcePos }
  | { kind: 'request'; request: RequestSpec; pos: SourcePos }
  | { kind: 'fault'; fault: FaultKind; workload?: string; pos: SourcePos };

export const COMPAT_LEVELS = ['3.2', '3.28', '3.29'] as const;
export type Compat = (typeof COMPAT_LEVELS)[number];

export interface Scenario {
  name: string;
  file: string;
  pos: SourcePos;
  compat: Compat;
  trustDomain: string;
  resources: ResourceRef[];
  workloads: WorkloadSpec[];
  requests: RequestSpec[];
  steps: Step[];
}
