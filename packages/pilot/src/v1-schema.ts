import { compareGoStrings, sortKeysDeep } from './go-json';

/**
 * A small model of the Go structs of Istio's v1 xDS package (pilot/pkg/proxy/envoy/v1, 0.7 era)
 * that Calico's pilot-webhook decodes the LDS body into and re-encodes. Decoding follows Go's
 * encoding/json rules closely enough to give the same outcome class:
 * - type mismatches are remembered and decoding goes on (Unmarshal then fails ⇒ HTTP 400);
 * - an error returned by a custom UnmarshalJSON (NetworkFilter) aborts decoding (⇒ 400);
 * - the NetworkFilter decoder's unchecked type assertions panic (filter not an object, `type`
 *   missing or not a string) ⇒ GoPanic;
 * - unknown keys are dropped, field names match case-insensitively, `null` leaves zero values.
 * Encoding writes struct fields in declaration order, honours omitempty, writes nil slices/pointers
 * as null and sorts map keys — i.e. the bytes json.Marshal would produce.
 */

export type Schema =
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'int' }
  | { kind: 'struct'; name: string; fields: Field[] }
  | { kind: 'ptr'; elem: Schema }
  | { kind: 'slice'; elem: Schema }
  | { kind: 'map'; elem: Schema }
  | { kind: 'any' }
  | { kind: 'networkFilter' };

export interface Field {
  json: string;
  schema: Schema;
  omitempty?: boolean;
}

/** A decoded NetworkFilter: its config struct is chosen by name (NetworkFilterTypes). */
export interface NetworkFilterValue {
  type: string;
  name: string;
  config: { schema: Schema; value: unknown };
}

/** What a Go panic inside the handler would have been (message as Go's runtime would word it). */
export class GoPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoPanic';
  }
}

/** An error that makes json.Unmarshal return non-nil. */
export class GoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoDecodeError';
  }
}

const STRING: Schema = { kind: 'string' };
const BOOL: Schema = { kind: 'bool' };
const INT: Schema = { kind: 'int' };
const ANY: Schema = { kind: 'any' };
const struct = (name: string, fields: Field[]): Schema => ({ kind: 'struct', name, fields });
const ptr = (elem: Schema): Schema => ({ kind: 'ptr', elem });
const slice = (elem: Schema): Schema => ({ kind: 'slice', elem });
const map = (elem: Schema): Schema => ({ kind: 'map', elem });
const f = (json: string, schema: Schema, omitempty = false): Field => ({ json, schema, omitempty });

// --- Istio 0.7 v1 types (field order and omitempty as declared in resources.go / mixer.go) ---
const HTTP_FILTER = struct('HTTPFilter', [f('type', STRING), f('name', STRING), f('config', ANY)]);
const RDS = struct('RDS', [f('cluster', STRING), f('route_config_name', STRING), f('refresh_delay_ms', INT)]);
const ACCESS_LOG = struct('AccessLog', [f('path', STRING), f('format', STRING, true), f('filter', STRING, true)]);
const TRACE = struct('HTTPFilterTraceConfig', [f('operation_name', STRING)]);
const RUNTIME = struct('Runtime', [f('key', STRING), f('default', INT)]);
const HEADER = struct('Header', [f('name', STRING), f('value', STRING), f('regex', BOOL, true)]);
const WEIGHTED_CLUSTER = struct('WeightedCluster', [
  f('clusters', slice(ptr(struct('WeightedClusterEntry', [f('name', STRING), f('weight', INT)])))),
  f('runtime_key_prefix', STRING, true),
]);
const RETRY_POLICY = struct('RetryPolicy', [f('retry_on', STRING), f('num_retries', INT, true), f('per_try_timeout_ms', INT, true)]);
const CORS_POLICY = struct('CORSPolicy', [
  f('enabled', BOOL, true),
  f('allow_credentials', BOOL, true),
  f('allow_methods', STRING, true),
  f('allow_headers', STRING, true),
  f('expose_headers', STRING, true),
  f('max_age', ANY, true), // Go encodes it as a quoted int (`json:",string"`); kept generic here
  f('allow_origin', slice(STRING), true),
]);
const HTTP_ROUTE = struct('HTTPRoute', [
  f('runtime', ptr(RUNTIME), true),
  f('path', STRING, true),
  f('prefix', STRING, true),
  f('regex', STRING, true),
  f('prefix_rewrite', STRING, true),
  f('host_rewrite', STRING, true),
  f('path_redirect', STRING, true),
  f('host_redirect', STRING, true),
  f('cluster', STRING, true),
  f('weighted_clusters', ptr(WEIGHTED_CLUSTER), true),
  f('headers', slice(HEADER), true),
  f('timeout_ms', INT),
  f('retry_policy', ptr(RETRY_POLICY), true),
  f('opaque_config', map(STRING), true),
  f('auto_host_rewrite', BOOL, true),
  f('use_websocket', BOOL, true),
  f('shadow', ptr(struct('ShadowCluster', [f('cluster', STRING)])), true),
  f('request_headers_to_add', slice(struct('AppendedHeader', [f('key', STRING), f('value', STRING)])), true),
  f('cors', ptr(CORS_POLICY), true),
  f('decorator', ptr(struct('Decorator', [f('operation', STRING)])), true),
]);
const VIRTUAL_HOST = struct('VirtualHost', [f('name', STRING), f('domains', slice(STRING)), f('routes', slice(ptr(HTTP_ROUTE)))]);
const HTTP_ROUTE_CONFIG = struct('HTTPRouteConfig', [f('validate_clusters', BOOL), f('virtual_hosts', slice(ptr(VIRTUAL_HOST)))]);

export const HTTP_FILTER_CONFIG = struct('HTTPFilterConfig', [
  f('codec_type', STRING),
  f('stat_prefix', STRING),
  f('generate_request_id', BOOL, true),
  f('use_remote_address', BOOL, true),
  f('tracing', ptr(TRACE), true),
  f('route_config', ptr(HTTP_ROUTE_CONFIG), true),
  f('rds', ptr(RDS), true),
  f('filters', slice(HTTP_FILTER)),
  f('access_log', slice(ACCESS_LOG)),
]);
const TCP_ROUTE = struct('TCPRoute', [
  f('cluster', STRING),
  f('destination_ip_list', slice(STRING), true),
  f('destination_ports', STRING, true),
  f('source_ip_list', slice(STRING), true),
  f('source_ports', STRING, true),
]);
const TCP_PROXY_CONFIG = struct('TCPProxyFilterConfig', [
  f('stat_prefix', STRING),
  f('route_config', ptr(struct('TCPRouteConfig', [f('routes', slice(ptr(TCP_ROUTE)))]))),
]);
const MONGO_PROXY_CONFIG = struct('MongoProxyFilterConfig', [f('stat_prefix', STRING)]);
const CORS_FILTER_CONFIG = struct('CORSFilterConfig', []);
const REDIS_PROXY_CONFIG = struct('RedisProxyFilterConfig', [
  f('cluster_name', STRING),
  f('conn_pool', ptr(struct('RedisConnPool', [f('op_timeout_ms', INT)]))),
  f('stat_prefix', STRING),
]);
const MIXER_CONFIG = struct('FilterMixerConfig', [
  f('mixer_attributes', map(STRING), true),
  f('forward_attributes', map(STRING), true),
  f('quota_name', STRING, true),
  f('disable_tcp_check_calls', BOOL, true),
  f('v2', map(ANY), true),
]);

/** Calico's AuthzFilterConfig (pilot-webhook): stat_prefix,omitempty then grpc_cluster,omitempty. */
export const AUTHZ_FILTER_CONFIG = struct('AuthzFilterConfig', [
  f('stat_prefix', STRING, true),
  f('grpc_cluster', ptr(struct('GrpcClusterConfig', [f('cluster_name', STRING)])), true),
]);

/** NetworkFilterTypes: the only network filter names the v1 decoder accepts. */
export const NETWORK_FILTER_TYPES: Readonly<Record<string, Schema>> = Object.freeze({
  redis_proxy: REDIS_PROXY_CONFIG,
  cors: CORS_FILTER_CONFIG,
  mongo_proxy: MONGO_PROXY_CONFIG,
  tcp_proxy: TCP_PROXY_CONFIG,
  http_connection_manager: HTTP_FILTER_CONFIG,
  mixer: MIXER_CONFIG,
});

const SSL_CONTEXT = struct('SSLContext', [
  f('cert_chain_file', STRING),
  f('private_key_file', STRING),
  f('ca_cert_file', STRING, true),
  f('require_client_certificate', BOOL),
  f('alpn_protocols', STRING, true),
]);
export const LISTENER = struct('Listener', [
  f('address', STRING),
  f('name', STRING, true),
  f('filters', slice({ kind: 'networkFilter' })),
  f('ssl_context', ptr(SSL_CONTEXT), true),
  f('bind_to_port', BOOL),
  f('use_original_dst', BOOL, true),
]);
/** pilot-webhook's ldsResponse. */
export const LDS_RESPONSE = struct('ldsResponse', [f('listeners', slice(ptr(LISTENER)))]);

// --- decoding ---

type GoStruct = Record<string, unknown>;

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' ? 'number' : typeof value === 'object' ? 'object' : typeof value;
}

function goTypeName(schema: Schema): string {
  switch (schema.kind) {
    case 'struct':
      return `v1.${schema.name}`;
    case 'ptr':
      return `*${goTypeName(schema.elem)}`;
    case 'slice':
      return `[]${goTypeName(schema.elem)}`;
    case 'map':
      return `map[string]${goTypeName(schema.elem)}`;
    case 'any':
      return 'interface {}';
    case 'networkFilter':
      return '*v1.NetworkFilter';
    case 'int':
      return 'int64';
    default:
      return schema.kind;
  }
}

export function zeroValue(schema: Schema): unknown {
  switch (schema.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
      return 0;
    case 'struct': {
      const out: GoStruct = {};
      for (const field of schema.fields) out[field.json] = zeroValue(field.schema);
      return out;
    }
    default:
      return null;
  }
}

class Decoder {
  saved: GoDecodeError | undefined;

  private typeError(value: unknown, schema: Schema, path: string): void {
    this.saved ??= new GoDecodeError(`json: cannot unmarshal ${jsonKind(value)} into Go ${path ? `struct field ${path}` : 'value'} of type ${goTypeName(schema)}`);
  }

  decode(schema: Schema, value: unknown, path: string): unknown {
    if (value === null) return zeroValue(schema); // null leaves the zero value, never an error
    switch (schema.kind) {
      case 'string':
        if (typeof value === 'string') return value;
        this.typeError(value, schema, path);
        return '';
      case 'bool':
        if (typeof value === 'boolean') return value;
        this.typeError(value, schema, path);
        return false;
      case 'int':
        if (typeof value === 'number' && Number.isInteger(value)) return value;
        this.typeError(value, schema, path);
        return 0;
      case 'any':
        return value;
      case 'ptr':
        return this.decode(schema.elem, value, path);
      case 'slice':
        if (!Array.isArray(value)) {
          this.typeError(value, schema, path);
          return null;
        }
        return value.map((item) => this.decode(schema.elem, item, path));
      case 'map': {
        if (jsonKind(value) !== 'object') {
          this.typeError(value, schema, path);
          return null;
        }
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value as object)) out[key] = this.decode(schema.elem, item, path);
        return out;
      }
      case 'struct': {
        const out = zeroValue(schema) as GoStruct;
        if (jsonKind(value) !== 'object') {
          this.typeError(value, schema, path);
          return out;
        }
        for (const [key, item] of Object.entries(value as object)) {
          // Go prefers an exact tag match, then a case-insensitive one; unknown keys are ignored.
          const field = schema.fields.find((fl) => fl.json === key) ?? schema.fields.find((fl) => fl.json.toLowerCase() === key.toLowerCase());
          if (!field) continue;
          out[field.json] = this.decode(field.schema, item, `${schema.name}.${field.json}`);
        }
        return out;
      }
      case 'networkFilter':
        return decodeNetworkFilter(value);
    }
  }
}

/** v1.NetworkFilter.UnmarshalJSON, including its unchecked type assertions. */
function decodeNetworkFilter(value: unknown): NetworkFilterValue {
  if (jsonKind(value) !== 'object') {
    throw new GoPanic(`interface conversion: interface {} is ${goGenericTypeName(value)}, not map[string]interface {}`);
  }
  const m = value as Record<string, unknown>;
  const name = m.name;
  if (typeof name !== 'string') throw new GoDecodeError('filter missing name field');
  const schema = NETWORK_FILTER_TYPES[name];
  if (!schema) throw new GoDecodeError(`unknown filter name: ${name}`);
  const inner = new Decoder();
  const config = inner.decode(schema, m.config === undefined ? null : m.config, '');
  if (inner.saved) throw inner.saved;
  if (typeof m.type !== 'string') {
    throw new GoPanic(`interface conversion: interface {} is ${m.type === undefined ? 'nil' : goGenericTypeName(m.type)}, not string`);
  }
  return { type: m.type, name, config: { schema, value: config } };
}

function goGenericTypeName(value: unknown): string {
  switch (jsonKind(value)) {
    case 'array':
      return '[]interface {}';
    case 'object':
      return 'map[string]interface {}';
    case 'number':
      return 'float64';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return 'nil';
  }
}

/**
 * json.Unmarshal(text, &v) for a v1 schema: returns the decoded Go value, or throws
 * GoDecodeError (Unmarshal returned an error) or GoPanic (the process would have panicked).
 */
export function goUnmarshal(schema: Schema, text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Go validates the whole input before decoding anything.
    throw new GoDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  const decoder = new Decoder();
  const value = decoder.decode(schema, parsed, '');
  if (decoder.saved) throw decoder.saved;
  return value;
}

// --- encoding ---

function isEmpty(schema: Schema, value: unknown): boolean {
  switch (schema.kind) {
    case 'string':
      return value === '';
    case 'bool':
      return value === false;
    case 'int':
      return value === 0;
    case 'slice':
      return value === null || (value as unknown[]).length === 0;
    case 'map':
      return value === null || Object.keys(value as object).length === 0;
    case 'ptr':
    case 'any':
    case 'networkFilter':
      return value === null || value === undefined;
    case 'struct':
      return false;
  }
}

/** Produces a JS value whose JSON.stringify equals Go's json.Marshal output (before escaping). */
export function toGoOrdered(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) {
    return schema.kind === 'struct' ? toGoOrdered(schema, zeroValue(schema)) : zeroValue(schema);
  }
  switch (schema.kind) {
    case 'string':
    case 'bool':
    case 'int':
      return value;
    case 'any':
      return sortKeysDeep(value);
    case 'ptr':
      return toGoOrdered(schema.elem, value);
    case 'slice':
      return (value as unknown[]).map((item) => toGoOrdered(schema.elem, item));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value as object).sort(compareGoStrings)) out[key] = toGoOrdered(schema.elem, (value as Record<string, unknown>)[key]);
      return out;
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const field of schema.fields) {
        const item = (value as GoStruct)[field.json];
        if (field.omitempty && isEmpty(field.schema, item ?? null)) continue;
        out[field.json] = toGoOrdered(field.schema, item ?? null);
      }
      return out;
    }
    case 'networkFilter': {
      const nf = value as NetworkFilterValue;
      return { type: nf.type, name: nf.name, config: toGoOrdered(nf.config.schema, nf.config.value) };
    }
  }
}
