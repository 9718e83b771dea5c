import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { AUTHZ_API_VERSIONS, authorizationService, grpcUnixTarget, healthzService } from '@alpsim/proto';

/**
 * The latency floor for the direct path: a grpc-js ext_authz server that decodes each Check
 * (as any real server must) and answers OK without looking at it, on the same kind of Unix socket.
 * Also answers Healthz so the harness waits for it exactly as it waits for Dikastes.
 */
export async function startNoopAuthzServer(socketPath: string): Promise<{ close(): Promise<void> }> {
  fs.rmSync(socketPath, { force: true });
  const server = new grpc.Server();
  for (const version of AUTHZ_API_VERSIONS) {
    server.addService(authorizationService(version) as unknown as grpc.ServiceDefinition, {
      Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, { status: { code: 0 } }),
    });
  }
  server.addService(healthzService as unknown as grpc.ServiceDefinition, {
    CheckReadiness: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { healthy: true }),
    CheckLiveness: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { healthy: true }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(grpcUnixTarget(socketPath), grpc.ServerCredentials.createInsecure(), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          fs.rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}
