export { root, messageType, PROTO_DIR } from './root';
export * from './messages';
export {
  ToDataplaneType,
  SyncRequestType,
  CheckRequestType,
  CheckResponseType,
  HealthCheckRequestType,
  HealthCheckResponseType,
  policySyncService,
  authorizationService,
  healthzService,
  encodeStatusResponse,
  toProto3Json,
  AUTHZ_API_VERSIONS,
} from './services';
export type { AuthzApiVersion } from './services';
export { unixSocketPath, grpcUnixTarget } from './address';
