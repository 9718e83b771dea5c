import { goMarshal } from './go-json';
import type { Logger } from './logrus';
import {
  AUTHZ_FILTER_CONFIG,
  GoDecodeError,
  GoPanic,
  HTTP_FILTER_CONFIG,
  LDS_RESPONSE,
  type NetworkFilterValue,
  goUnmarshal,
  toGoOrdered,
} from './v1-schema';

/** Names Calico's pilot-webhook used (webhook.go@bd069d7). */
export const AUTHZ_FILTER_NAME = 'envoy.ext_authz';
export const AUTHZ_CLUSTER_NAME = 'calico.dikastes';

/** The outcome of one handler call: an HTTP answer, or the Go panic that would have killed the request. */
export type HookResult = { status: number; body: Buffer } | { panic: string };

type Listener = { name: string; filters: (NetworkFilterValue | null)[] | null } & Record<string, unknown>;

const text = (status: number, body: string): HookResult => ({ status, body: Buffer.from(body) });

/**
 * The LDS hook: for `sidecar~<ip>~…` nodes, prepend the ext_authz filter to every inbound listener
 * (name `<proto>_<ip>_<port>` with ip == node IP). See README for every quirk reproduced.
 */
export function ldsHook(serviceNode: string, body: Buffer, log: Logger, stdout: (text: string) => void = (text) => process.stdout.write(text)): HookResult {
  const parts = serviceNode.split('~');
  // Go: `ip := c[1]` runs before the type check, so a node without '~' indexes out of range.
  if (parts.length < 2) return { panic: `runtime error: index out of range [1] with length ${parts.length}` };
  const [nodeType, ip] = parts;
  if (nodeType !== 'sidecar') return { status: 200, body }; // returned unmodified, whatever it is

  let lds: { listeners: (Listener | null)[] | null };
  try {
    lds = goUnmarshal(LDS_RESPONSE, body.toString('utf8')) as typeof lds;
  } catch (error) {
    if (error instanceof GoPanic) return { panic: error.message };
    log.log('error', 'failed to decode JSON', { err: (error as GoDecodeError).message });
    stdout(body.toString('utf8')); // the Go code prints the offending body to stdout
    return text(400, 'could not parse request JSON');
  }
  for (const listener of lds.listeners ?? []) {
    const problem = updateListener(listener, ip, log);
    if (problem) return { panic: problem };
  }
  let out: string;
  try {
    out = goMarshal(toGoOrdered(LDS_RESPONSE, lds));
  } catch (error) {
    log.log('error', 'failed to re-encode', { err: (error as Error).message });
    return text(500, 'internal error');
  }
  return { status: 200, body: Buffer.from(out) };
}

/** Returns a panic message when Go would have panicked on this listener. */
function updateListener(listener: Listener | null, ip: string, log: Logger): string | undefined {
  if (listener === null) return 'runtime error: invalid memory address or nil pointer dereference';
  if (listener.name === 'virtual') {
    log.log('debug', 'Skipping virtual listener');
    return undefined;
  }
  const nameParts = listener.name.split('_');
  if (nameParts.length < 2) return `runtime error: index out of range [1] with length ${nameParts.length}`;
  // Anything that is not `tcp` (mongo, redis, …) keeps the zero value: HTTP.
  const protocol = nameParts[0] === 'tcp' ? 'TCP' : 'HTTP';
  if (nameParts[1] !== ip) {
    log.log('debug', 'Skipping outbound listener', { name: listener.name });
    return undefined;
  }
  if (protocol === 'HTTP') return updateHttpListener(listener, log);
  log.log('debug', 'Updating TCP listener', { name: listener.name });
  const authz: NetworkFilterValue = {
    type: 'read',
    name: AUTHZ_FILTER_NAME,
    config: { schema: AUTHZ_FILTER_CONFIG, value: { stat_prefix: AUTHZ_FILTER_NAME, grpc_cluster: { cluster_name: AUTHZ_CLUSTER_NAME } } },
  };
  listener.filters = [authz, ...(listener.filters ?? [])];
  return undefined;
}

function updateHttpListener(listener: Listener, log: Logger): string | undefined {
  log.log('debug', 'Updating HTTP listener', { name: listener.name });
  let hcm: NetworkFilterValue | undefined;
  for (const filter of listener.filters ?? []) {
    if (filter === null) return 'runtime error: invalid memory address or nil pointer dereference';
    if (filter.name === 'http_connection_manager') {
      hcm = filter;
      break;
    }
  }
  if (!hcm || hcm.config.schema !== HTTP_FILTER_CONFIG) {
    log.log('error', 'tried to add HTTP Authz filter to non-HTTP listener', { listener: listener.name });
    return undefined;
  }
  const config = hcm.config.value as { filters: unknown[] | null };
  // Prepended: the first decoder filter, so a denied request never reaches the others.
  config.filters = [{ type: 'decoder', name: AUTHZ_FILTER_NAME, config: { grpc_cluster: { cluster_name: AUTHZ_CLUSTER_NAME } } }, ...(config.filters ?? [])];
  return undefined;
}
