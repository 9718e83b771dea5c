// Public data shapes of @alpsim/calico: loaded resources and the dataplane state Felix would compute.
import type {
  IPSetType,
  NamespaceID,
  Policy,
  PolicyID,
  Profile,
  ProfileID,
  ServiceAccountID,
  WorkloadEndpoint,
  WorkloadEndpointID,
} from '@alpsim/proto';

/** Which Felix/libcalico-go era to imitate. '3.2' = 2018 ALP; '3.28' adds modern selectors and
 *  projectcalico.org/name labels; '3.29' adds the Tier resource (policy names `<tier>.<name>`). */
export type Compat = '3.2' | '3.28' | '3.29';
export const COMPAT_VERSIONS: readonly Compat[] = ['3.2', '3.28', '3.29'];
export const DEFAULT_COMPAT: Compat = '3.28';

/** Resource kinds the loader accepts. */
export type ResourceKind =
  | 'NetworkPolicy' // projectcalico.org/v3
  | 'GlobalNetworkPolicy'
  | 'NetworkSet'
  | 'GlobalNetworkSet'
  | 'Tier'
  | 'Profile'
  | 'Namespace' // v1
  | 'ServiceAccount'
  | 'Pod'
  | 'Service'
  | 'Deployment' // apps/v1
  | 'StatefulSet'
  | 'DaemonSet'
  | 'K8sNetworkPolicy'; // networking.k8s.io/v1 NetworkPolicy (distinguished from Calico's by apiVersion)

/** Where a resource came from (for error messages). */
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

/** One validated resource as written by the user (plain JSON object), with its identity. */
export interface LoadedResource {
  kind: ResourceKind;
  apiVersion: string;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** The document, as parsed (JSON-compatible). */
  object: Record<string, any>;
  source?: SourceLocation;
}

/** Identity of a resource inside a ResourceSet. */
export interface ResourceRef {
  kind: ResourceKind;
  namespace?: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------
// Dataplane state (what Felix's calculation graph would emit for this cluster, on one node that
// hosts every pod).

export interface IPSetInfo {
  id: string;
  type: IPSetType;
  members: Set<string>;
  /** Canonical selector the set was built from. */
  selector: string;
  /** For IP_AND_PORT (named-port) sets. */
  namedPort?: { protocol: 'tcp' | 'udp'; name: string };
}

export interface PolicyInfo {
  id: PolicyID;
  policy: Policy;
  /** Rewritten policy selector (canonical) that picks the endpoints the policy applies to. */
  selector: string;
  tier: string;
  /** undefined = no order (sorts last). */
  order?: number;
  ingress: boolean;
  egress: boolean;
  /** IP-set IDs the rules reference (all 8 id fields). */
  ipSetIds: string[];
}

export interface ProfileInfo {
  id: ProfileID;
  profile: Profile;
  /** labelsToApply (pcns./pcsa. prefixed) inherited by endpoints using the profile. */
  labels: Record<string, string>;
  ipSetIds: string[];
}

export interface WorkloadPort {
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** Declared by an init container: Calico only maps the regular containers' named ports. */
  initContainer?: boolean;
}

export interface WorkloadInfo {
  /** "<ns>/<pod>" */
  key: string;
  namespace: string;
  name: string;
  uid: string;
  serviceAccount: string;
  /** Endpoint labels as Felix sees them (pod labels minus pcns./pcsa., plus projectcalico.org/*). */
  labels: Record<string, string>;
  ips: string[];
  ports: WorkloadPort[];
  id: WorkloadEndpointID;
  endpoint: WorkloadEndpoint;
}

export interface ServiceAccountInfo {
  id: ServiceAccountID;
  labels: Record<string, string>;
}

export interface NamespaceInfo {
  id: NamespaceID;
  labels: Record<string, string>;
}

export interface TierState {
  name: string;
  order?: number;
  defaultAction: 'Deny' | 'Pass';
}

export interface DataplaneState {
  compat: Compat;
  /** Only the IP sets referenced by active policies/profiles. */
  ipSets: Map<string, IPSetInfo>;
  /** Active policies (selector matches at least one endpoint), keyed by policyKey(id). */
  policies: Map<string, PolicyInfo>;
  /** Active profiles (used by at least one endpoint), keyed by profile name. */
  profiles: Map<string, ProfileInfo>;
  /** Keyed by "<ns>/<pod>"; pods without IPs are absent. */
  endpoints: Map<string, WorkloadInfo>;
  /** Keyed by "<ns>/<name>". Only SAs that produce a ServiceAccountUpdate (see compat). */
  serviceAccounts: Map<string, ServiceAccountInfo>;
  /** Keyed by name. Only namespaces that produce a NamespaceUpdate (see compat). */
  namespaces: Map<string, NamespaceInfo>;
  /** Tiers in evaluation order (always [default] before compat 3.29). */
  tiers: TierState[];
}

/** Map key of a policy in DataplaneState.policies. */
export function policyKey(id: PolicyID): string {
  return `${id.tier ?? ''}|${id.name ?? ''}`;
}

export interface ComputeOptions {
  compat?: Compat;
}
