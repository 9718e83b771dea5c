// `dikastes client <namespace> <account> [--method M]`: one Check carrying only the source
// principal (and the method), no destination peer — exactly what the real debug client sends.
import * as grpc from '@grpc/grpc-js';
import {
  authorizationService,
  grpcUnixTarget,
  unixSocketPath,
  type AuthzApiVersion,
  type CheckRequest,
  type CheckResponse,
} from '@alpsim/proto';

export function clientCheckRequest(namespace: string, account: string, method?: string): CheckRequest {
  const request: CheckRequest = {
    attributes: { source: { principal: `spiffe://cluster.local/ns/${namespace}/sa/${account}` } },
  };
  if (method !== undefined) request.attributes!.request = { http: { method } };
  return request;
}

/** Send one Check over a Unix socket and return the response. */
export function sendCheck(
  socket: string,
  request: CheckRequest,
  options: { apiVersion?: AuthzApiVersion; deadlineMs?: number } = {},
): Promise<CheckResponse> {
  const service = authorizationService(options.apiVersion ?? 'v3');
  const Client = grpc.makeGenericClientConstructor(service as unknown as grpc.ServiceDefinition, 'Authorization');
  const client = new Client(grpcUnixTarget(unixSocketPath(socket)), grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + (options.deadlineMs ?? 10_000));
    (client as unknown as Record<string, Function>).Check(
      request,
      new grpc.Metadata(),
      { deadline },
      (err: grpc.ServiceError | null, response: CheckResponse) => {
        client.close();
        if (err) reject(err);
        else resolve(response);
      },
    );
  });
}
