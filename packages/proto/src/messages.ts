// TypeScript shapes of the decoded messages (protobufjs camelCase field names).
// Fields are optional because proto3 omits defaults on the wire.

// ---- felix.* (felixbackend.proto) ----
export interface PortRange { first?: number; last?: number }
export interface Protocol { number?: number; name?: string }
export interface IcmpTypeAndCode { type?: number; code?: number }
export interface ServiceAccountMatch { selector?: string; names?: string[] }
export interface PathMatch { exact?: string; prefix?: string }
export interface HTTPMatch { methods?: string[]; paths?: PathMatch[] }
export interface RuleMetadata { annotations?: Record<string, string> }

export interface Rule {
  action?: string;
  ipVersion?: number | string;
  protocol?: Protocol | null;
  srcNet?: string[];
  srcPorts?: PortRange[];
  dstNet?: string[];
  dstPorts?: PortRange[];
  icmpType?: number;
  icmpTypeCode?: IcmpTypeAndCode | null;
  srcIpSetIds?: string[];
  dstIpSetIds?: string[];
  srcNamedPortIpSetIds?: string[];
  dstNamedPortIpSetIds?: string[];
  dstIpPortSetIds?: string[];
  notProtocol?: Protocol | null;
  notSrcNet?: string[];
  notSrcPorts?: PortRange[];
  notDstNet?: string[];
  notDstPorts?: PortRange[];
  notIcmpType?: number;
  notIcmpTypeCode?: IcmpTypeAndCode | null;
  notSrcIpSetIds?: string[];
  notDstIpSetIds?: string[];
  notSrcNamedPortIpSetIds?: string[];
  notDstNamedPortIpSetIds?: string[];
  originalSrcSelector?: string;
  originalDstSelector?: string;
  originalSrcNamespaceSelector?: string;
  originalDstNamespaceSelector?: string;
  originalNotSrcSelector?: string;
  originalNotDstSelector?: string;
  srcServiceAccountMatch?: ServiceAccountMatch | null;
  dstServiceAccountMatch?: ServiceAccountMatch | null;
  httpMatch?: HTTPMatch | null;
  metadata?: RuleMetadata | null;
  originalDstService?: string;
  originalDstServiceNamespace?: string;
  originalSrcService?: string;
  originalSrcServiceNamespace?: string;
  ruleId?: string;
}

export interface PolicyID { tier?: string; name?: string }
export interface Policy {
  inboundRules?: Rule[];
  outboundRules?: Rule[];
  untracked?: boolean;
  preDnat?: boolean;
  namespace?: string;
  originalSelector?: string;
  perfHints?: string[];
}
export interface ProfileID { name?: string }
export interface Profile { inboundRules?: Rule[]; outboundRules?: Rule[] }

export interface TierInfo {
  name?: string;
  ingressPolicies?: string[];
  egressPolicies?: string[];
  defaultAction?: string;
}
export interface NatInfo { extIp?: string; intIp?: string }
export interface WorkloadEndpointID { orchestratorId?: string; workloadId?: string; endpointId?: string }
export interface WorkloadEndpoint {
  state?: string;
  name?: string;
  mac?: string;
  profileIds?: string[];
  ipv4Nets?: string[];
  ipv6Nets?: string[];
  tiers?: TierInfo[];
  ipv4Nat?: NatInfo[];
  ipv6Nat?: NatInfo[];
  allowSpoofedSourcePrefixes?: string[];
  annotations?: Record<string, string>;
}

/** IPSetUpdate.IPSetType */
export enum IPSetType { IP = 0, IP_AND_PORT = 1, NET = 2 }

export interface IPSetUpdate { id?: string; members?: string[]; type?: IPSetType | keyof typeof IPSetType }
export interface IPSetDeltaUpdate { id?: string; addedMembers?: string[]; removedMembers?: string[] }
export interface ServiceAccountID { namespace?: string; name?: string }
export interface NamespaceID { name?: string }

/** One message of the policy-sync stream; exactly one payload field is set. */
export interface ToDataplane {
  sequenceNumber?: number | string;
  inSync?: Record<string, never>;
  ipsetUpdate?: IPSetUpdate;
  ipsetDeltaUpdate?: IPSetDeltaUpdate;
  ipsetRemove?: { id?: string };
  activeProfileUpdate?: { id?: ProfileID | null; profile?: Profile | null };
  activeProfileRemove?: { id?: ProfileID | null };
  activePolicyUpdate?: { id?: PolicyID | null; policy?: Policy | null };
  activePolicyRemove?: { id?: PolicyID | null };
  hostEndpointUpdate?: Record<string, unknown>;
  hostEndpointRemove?: Record<string, unknown>;
  workloadEndpointUpdate?: { id?: WorkloadEndpointID | null; endpoint?: WorkloadEndpoint | null };
  workloadEndpointRemove?: { id?: WorkloadEndpointID | null };
  configUpdate?: { config?: Record<string, string> };
  hostMetadataUpdate?: Record<string, unknown>;
  ipamPoolUpdate?: Record<string, unknown>;
  ipamPoolRemove?: Record<string, unknown>;
  hostMetadataRemove?: Record<string, unknown>;
  serviceAccountUpdate?: { id?: ServiceAccountID | null; labels?: Record<string, string> };
  serviceAccountRemove?: { id?: ServiceAccountID | null };
  namespaceUpdate?: { id?: NamespaceID | null; labels?: Record<string, string> };
  namespaceRemove?: { id?: NamespaceID | null };
  /** protobufjs virtual oneof accessor on decoded messages: the name of the set payload field. */
  payload?: string;
}

export type ToDataplanePayload = Exclude<keyof ToDataplane, 'sequenceNumber' | 'payload'>;

// ---- envoy ext_authz ----
/** envoy.config.core.v3.SocketAddress.Protocol */
export enum SocketProtocol { TCP = 0, UDP = 1 }
export interface SocketAddress {
  protocol?: SocketProtocol;
  address?: string;
  portValue?: number;
  namedPort?: string;
}
export interface Address { socketAddress?: SocketAddress | null; pipe?: { path?: string; mode?: number } | null }
export interface Peer {
  address?: Address | null;
  service?: string;
  labels?: Record<string, string>;
  principal?: string;
  certificate?: string;
}
export interface HttpRequest {
  id?: string;
  method?: string;
  headers?: Record<string, string>;
  path?: string;
  host?: string;
  scheme?: string;
  query?: string;
  fragment?: string;
  size?: number | string;
  protocol?: string;
  body?: string;
}
export interface AttributeContext {
  source?: Peer | null;
  destination?: Peer | null;
  request?: { time?: { seconds?: number | string; nanos?: number } | null; http?: HttpRequest | null } | null;
  contextExtensions?: Record<string, string>;
}
export interface CheckRequest { attributes?: AttributeContext | null }
export interface RpcStatus { code?: number; message?: string }
export interface CheckResponse {
  status?: RpcStatus | null;
  deniedResponse?: { status?: { code?: number } | null; headers?: unknown[]; body?: string } | null;
  okResponse?: { headers?: unknown[] } | null;
}

export interface HealthCheckResponse { healthy?: boolean }

/** google.rpc.Code values used on this path. */
export const RpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
