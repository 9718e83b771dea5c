export { startPilotWebhook, type PilotWebhook, type PilotWebhookOptions } from './webhook';
export { ldsHook, AUTHZ_FILTER_NAME, AUTHZ_CLUSTER_NAME, type HookResult } from './lds-hook';
export { parseWebhookArgs, USAGE as PILOT_WEBHOOK_USAGE } from './webhook-bin-args';
export { goMarshal, goMarshalIndent, goEscapeJson } from './go-json';
export { NETWORK_FILTER_TYPES, GoDecodeError, GoPanic, goUnmarshal } from './v1-schema';
export { PilotFake, type PilotFakeOptions, type DiscoveryResponse, type PilotStats } from './pilot-fake';
export {
  PilotInputError,
  protocolOfPortName,
  sidecarNodeId,
  serviceHostname,
  parseServiceNode,
  type PilotWorkload,
  type PilotWorkloadPort,
  type PilotService,
  type PilotServicePort,
  type PortProtocol,
} from './pilot-model';
export { CERTS as ISTIO_CERT_PATHS, spiffeIdOf } from './pilot-xds';
export { parseWebhookEndpoint, callWebhook, WEBHOOK_TIMEOUT_MS, type WebhookEndpoint, type WebhookOutcome } from './webhook-client';
export { pilotWorkloadFromInfo, pilotServiceFromManifest } from './adapters';
export { pilotConfigFromResources, SIDECAR_INJECT_ANNOTATION } from './resources';
export { registerPilotCommands, discoveryPath, pilotFromFiles, type PilotCommandOptions } from './commands';
