import * as grpc from '@grpc/grpc-js';
import {
  type AuthzApiVersion,
  type CheckRequest,
  CheckRequestType,
  CheckResponseType,
  grpcUnixTarget,
  HealthCheckRequestType,
  HealthCheckResponseType,
} from '@alpsim/proto';
import type { LoadCall } from './load';

const identity = (b: Buffer) => b;

/** Encode a CheckRequest once so the load loop spends no time on client-side serialisation. */
export function encodeCheckRequest(request: CheckRequest): Buffer {
  return Buffer.from(CheckRequestType.encode(CheckRequestType.fromObject(request)).finish());
}

export class CheckCallError extends Error {
  constructor(readonly grpcCode: number, message: string) {
    super(message);
  }
}

/**
 * The one ext_authz client used against both the system under test and the no-op floor, so both
 * pay the same client cost: one grpc-js channel over a Unix socket, pre-encoded requests, and only
 * the status code decoded from each reply.
 */
export class CheckClient {
  private readonly client: grpc.Client;
  private readonly checkPath: string;

  constructor(readonly socketPath: string, apiVersion: AuthzApiVersion = 'v3') {
    this.client = new grpc.Client(grpcUnixTarget(socketPath), grpc.credentials.createInsecure(), {
      'grpc.enable_retries': 0,
      // Poll a server that is still starting without grpc-js' default 1 s reconnect backoff.
      'grpc.initial_reconnect_backoff_ms': 20,
      'grpc.max_reconnect_backoff_ms': 100,
    });
    this.checkPath = `/envoy.service.auth.${apiVersion}.Authorization/Check`;
  }

  /** Resolves with CheckResponse.status.code; rejects with CheckCallError on a gRPC-level failure. */
  check(encodedRequest: Buffer, deadlineMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        this.checkPath,
        identity,
        identity,
        encodedRequest,
        { deadline: Date.now() + deadlineMs },
        (error, reply) => {
          if (error) reject(new CheckCallError(error.code ?? 2, error.details || error.message));
          else resolve(decodeStatusCode(reply as Buffer));
        },
      );
    });
  }

  /** dikastes.Healthz/CheckReadiness → healthy. */
  readiness(deadlineMs = 2000): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        '/dikastes.Healthz/CheckReadiness',
        identity,
        identity,
        Buffer.from(HealthCheckRequestType.encode(HealthCheckRequestType.create({})).finish()),
        { deadline: Date.now() + deadlineMs },
        (error, reply) => {
          if (error) reject(new CheckCallError(error.code ?? 2, error.details || error.message));
          else resolve(Boolean((HealthCheckResponseType.decode(reply as Buffer) as unknown as { healthy?: boolean }).healthy));
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

function decodeStatusCode(reply: Buffer): number {
  const decoded = CheckResponseType.decode(reply) as unknown as { status?: { code?: number } };
  return decoded.status?.code ?? 0;
}

/** The request mix as load calls: each call takes the next pre-encoded request, round robin, on one client. */
export function roundRobin(calls: { encoded: Buffer; expectedCode: number }[], client: CheckClient): () => LoadCall {
  let i = 0;
  return () => {
    const c = calls[i++ % calls.length];
    return { send: () => client.check(c.encoded), expectedCode: c.expectedCode };
  };
}
