export { startPilotWebhook, type PilotWebhook, type PilotWebhookOptions } from './webhook';
export { ldsHook, AUTHZ_FILTER_NAME, AUTHZ_CLUSTER_NAME, type HookResult } from './lds-hook';
export { parseWebhookArgs, USAGE as PILOT_WEBHOOK_USAGE } from './webhook-bin-args';
export { goMarshal, goMarshalIndent, goEscapeJson } from './go-json';
export { NETWORK_FILTER_TYPES, GoDecodeError, GoPanic, goUnmarshal } from './v1-schema';
