// The ext_authz gRPC client: one channel per cluster (a Unix socket, as the bootstrap's `pipe` host),
// Check under the selected service name, a per-call deadline, and Envoy's three-way outcome.
import * as grpc from '@grpc/grpc-js';
import { authorizationService, grpcUnixTarget, type AuthzApiVersion, type CheckRequest, type CheckResponse } from '@alpsim/proto';

export type CheckOutcome =
  | { kind: 'ok'; response: CheckResponse }
  /** a successful reply with a non-zero status.code */
  | { kind: 'denied'; code: number; response: CheckResponse }
  /** the call itself failed: transport error, non-OK grpc-status, deadline */
  | { kind: 'error'; grpcCode: number; detail: string };

export interface PendingCheck { promise: Promise<CheckOutcome>; cancel(): void }

export class AuthzClient {
  private readonly client: grpc.Client;
  private readonly method;

  constructor(readonly clusterName: string, readonly socketPath: string, readonly apiVersion: AuthzApiVersion) {
    this.client = new grpc.Client(grpcUnixTarget(socketPath), grpc.credentials.createInsecure(), {
      // Envoy's :authority for an envoy_grpc service is the cluster name.
      'grpc.default_authority': clusterName,
      // Dikastes may restart under us (tests do "Dikastes down"); reconnect quickly when it is back.
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 500,
      // Channelz is never queried; with it on grpc-js keeps per-call trackers and timestamps.
      'grpc.enable_channelz': 0,
    });
    this.method = authorizationService(apiVersion).Check;
  }

  get path(): string { return this.method.path; }

  check(request: CheckRequest, timeoutMs: number): PendingCheck {
    let call: grpc.ClientUnaryCall | undefined;
    const promise = new Promise<CheckOutcome>((resolve) => {
      call = this.client.makeUnaryRequest(
        this.method.path,
        this.method.requestSerialize,
        this.method.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, response) => {
          if (err || !response) {
            const e = err as grpc.ServiceError | null;
            resolve({ kind: 'error', grpcCode: e?.code ?? grpc.status.UNKNOWN, detail: e ? `${grpc.status[e.code] ?? e.code}: ${e.details}` : 'empty reply' });
            return;
          }
          // A reply without a status message has code 0 ⇒ allow (Envoy 2018).
          const code = response.status?.code ?? 0;
          resolve(code === 0 ? { kind: 'ok', response } : { kind: 'denied', code, response });
        },
      );
    });
    return { promise, cancel: () => call?.cancel() };
  }

  close(): void { this.client.close(); }
}
