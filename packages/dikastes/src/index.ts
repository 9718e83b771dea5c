// @alpsim/dikastes: a Dikastes engine drop-in compatible with Calico's.
export { PolicyStore, payloadOf, policyKey } from './store';
export type {
  ApplyResult,
  CompiledPolicy,
  CompiledProfile,
  EndpointTier,
  PolicyStoreOptions,
  StoredEndpoint,
} from './store';
export { evaluateCheck, formatTrace } from './evaluate';
export type {
  CheckOutcome,
  CheckTrace,
  Decision,
  DecisionKind,
  EvaluateOptions,
  PeerTrace,
  RuleTrace,
  StepResult,
  TraceStep,
} from './evaluate';
export { startDikastesServer, removeStaleSocket, DEFAULT_DIAL, DEFAULT_LISTEN } from './server';
export type { DikastesServer, DikastesServerOptions } from './server';
export { PolicySyncClient, POLICY_SYNC_RETRY_MS } from './sync';
export type { PolicySyncOptions } from './sync';
export { sendCheck, clientCheckRequest } from './client';
export { runCli, parseArgs, USAGE, UsageError } from './cli';
export type { ParsedArgs } from './cli';
export { COMPAT_LEVELS, DEFAULT_COMPAT, isCompat } from './compat';
export type { Compat } from './compat';
export { Code, codeName } from './codes';
export { CLAUSES } from './rules';
export { createLogger, silentLogger } from './log';
export type { Logger } from './log';
