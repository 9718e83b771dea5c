// @alpsim/proxy: an Envoy-like sidecar configured from Pilot v1 LDS JSON (as rewritten by Calico's pilot-webhook).
export { startSidecar, DEFAULT_AUTHZ_TIMEOUT_MS } from './sidecar';
export type { Sidecar, SidecarOptions, SidecarListener } from './sidecar';
export type { SidecarCerts } from './listener';
export { parseLds, isInbound, LdsConfigError } from './lds';
export type { ParsedLds, ListenerSpec, HttpListenerSpec, TcpListenerSpec, HttpFilterSpec, NetworkFilterSpec, ExtAuthzFilterConfig, ScenarioAddress } from './lds';
export { plaintextRequest, mtlsRequest } from './outbound';
export type { OutboundRequest, OutboundResult, OutboundTarget } from './outbound';
export { Counters, formatAccessLog } from './observability';
export type { Logger, LogRecord, AccessLogRecord, EventRecord, AuthzVerdict } from './observability';
export { principalOf, rfc2253Subject, uriSans, judgeClientCertificate } from './identity';
export type { ClientCertPolicy } from './identity';
export { DIKASTES_CLUSTER, DEFAULT_DIKASTES_SOCKET } from './clusters';
export { AuthzClient } from './authz-client';
export type { CheckOutcome, PendingCheck } from './authz-client';
export { httpCheckRequest, tcpCheckRequest } from './check-request';
export type { ConnectionInfo, HttpAttributes } from './check-request';
export { registerProxyCommands, proxyOptionsFromArgs } from './commands';
export type { ProxyCommandOptions } from './commands';
