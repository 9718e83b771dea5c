// `/healthz [-dialPath <socket>] liveness|readiness`: the probe Calico's dikastes image ships, as a
// client of dikastes.Healthz on the Dikastes socket (kubelet only looks at the exit status).
import * as grpc from '@grpc/grpc-js';
import { grpcUnixTarget, healthzService, type HealthCheckResponse } from '@alpsim/proto';

export const DEFAULT_HEALTHZ_DIAL = '/var/run/dikastes/dikastes.sock';

export interface HealthzArgs {
  probe: 'liveness' | 'readiness';
  dialPath: string;
}

export function parseHealthzArgs(argv: readonly string[]): HealthzArgs {
  let dialPath = DEFAULT_HEALTHZ_DIAL;
  let probe: HealthzArgs['probe'] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Go's flag package accepts -flag, --flag, -flag=value and --flag=value.
    const m = /^--?dialPath(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[1] ?? argv[++i];
      if (!value) throw usage('-dialPath needs a socket path');
      dialPath = value;
    } else if (arg === 'liveness' || arg === 'readiness') {
      probe = arg;
    } else {
      throw usage(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  if (!probe) throw usage('expected liveness or readiness');
  return { probe, dialPath };
}

function usage(message: string): Error {
  return Object.assign(new Error(`${message}\nusage: healthz [-dialPath <socket>] liveness|readiness`), { userError: true });
}

/** Ask Dikastes over its socket; `error` is set when the RPC itself failed (then healthy is false). */
export async function checkHealth(args: HealthzArgs, timeoutMs = 2000): Promise<{ healthy: boolean; error?: string }> {
  const Client = grpc.makeGenericClientConstructor(healthzService as unknown as grpc.ServiceDefinition, 'Healthz');
  const client = new Client(grpcUnixTarget(args.dialPath), grpc.credentials.createInsecure()) as unknown as Record<
    string,
    (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: HealthCheckResponse) => void) => void
  > & { close(): void };
  const method = args.probe === 'liveness' ? 'CheckLiveness' : 'CheckReadiness';
  try {
    return await new Promise((resolve) => {
      client[method].call(client, {}, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) resolve({ healthy: false, error: err.details || err.message });
        else resolve({ healthy: Boolean(res?.healthy) });
      });
    });
  } finally {
    client.close();
  }
}
