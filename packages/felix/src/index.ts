// @alpsim/felix — a Felix policy-sync (felix.PolicySync/Sync) server fed with DataplaneState snapshots.
export { FelixServer } from './server';
export type { FelixServerOptions, WorkloadListener, ClientEvent } from './server';
export { Binder, parseCredentials } from './binder';
export type { BinderOptions, BoundWorkload, WorkloadCredentials } from './binder';
export { PolicySyncProcessor, joinSequence, referencedPolicies } from './processor';
export type { ClientSink, ClientConnection } from './processor';
export { DEFAULT_MAX_BUFFERED_MESSAGES } from './client-stream';
export type { ClientBufferOptions, ClientEndReason } from './client-stream';
export {
  MAX_MEMBERS_PER_MESSAGE,
  fullIPSetMessages,
  deltaIPSetMessages,
  ipSetIdsOfPolicy,
  workloadEndpointId,
  payloadKind,
} from './messages';
export { AuthorityRewriter, RequestHeaderRewriter, isValidAuthority } from './authority';
export { FelixFromResources } from './runtime';
export type { FelixFromResourcesOptions } from './runtime';
export { ResourceWatcher } from './watch';
export type { WatchEvent } from './watch';
export { registerFelixCommands, compileWorkload, compileToJson, parseWorkloadKey, resolveWorkload } from './cli';
