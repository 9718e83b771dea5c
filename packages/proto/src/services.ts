import type * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import { messageType } from './root';
import type { CheckRequest, CheckResponse, HealthCheckResponse, ToDataplane } from './messages';

export const ToDataplaneType = messageType('felix.ToDataplane');
export const SyncRequestType = messageType('felix.SyncRequest');
export const CheckRequestType = messageType('envoy.service.auth.v3.CheckRequest');
export const CheckResponseType = messageType('envoy.service.auth.v3.CheckResponse');
export const HealthCheckRequestType = messageType('dikastes.HealthCheckRequest');
export const HealthCheckResponseType = messageType('dikastes.HealthCheckResponse');

function serializer<T>(type: protobuf.Type): (value: T) => Buffer {
  return (value: T) => {
    // Accept both decoded messages and plain objects (fromObject validates and converts).
    const message = value instanceof type.ctor ? (value as unknown as protobuf.Message) : type.fromObject(value as object);
    return Buffer.from(type.encode(message).finish());
  };
}

function deserializer<T>(type: protobuf.Type): (bytes: Buffer) => T {
  return (bytes: Buffer) => type.decode(bytes) as unknown as T;
}

function unary<Req, Res>(
  path: string,
  request: protobuf.Type,
  response: protobuf.Type,
  originalName: string,
): grpc.MethodDefinition<Req, Res> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: serializer<Req>(request),
    requestDeserialize: deserializer<Req>(request),
    responseSerialize: serializer<Res>(response),
    responseDeserialize: deserializer<Res>(response),
    originalName,
  };
}

/** felix.PolicySync: Sync(SyncRequest) returns (stream ToDataplane). */
export const policySyncService = {
  Sync: {
    path: '/felix.PolicySync/Sync',
    requestStream: false,
    responseStream: true,
    requestSerialize: serializer<object>(SyncRequestType),
    requestDeserialize: deserializer<object>(SyncRequestType),
    responseSerialize: serializer<ToDataplane>(ToDataplaneType),
    responseDeserialize: deserializer<ToDataplane>(ToDataplaneType),
    originalName: 'sync',
  } as grpc.MethodDefinition<object, ToDataplane>,
};

export type AuthzApiVersion = 'v2' | 'v2alpha' | 'v3';
export const AUTHZ_API_VERSIONS: readonly AuthzApiVersion[] = ['v3', 'v2', 'v2alpha'];

/** envoy.service.auth.<version>.Authorization: the same Check under each historical service name. */
export function authorizationService(version: AuthzApiVersion) {
  return {
    Check: unary<CheckRequest, CheckResponse>(
      `/envoy.service.auth.${version}.Authorization/Check`,
      CheckRequestType,
      CheckResponseType,
      'check',
    ),
  };
}

/** dikastes.Healthz */
export const healthzService = {
  CheckReadiness: unary<object, HealthCheckResponse>(
    '/dikastes.Healthz/CheckReadiness', HealthCheckRequestType, HealthCheckResponseType, 'checkReadiness'),
  CheckLiveness: unary<object, HealthCheckResponse>(
    '/dikastes.Healthz/CheckLiveness', HealthCheckRequestType, HealthCheckResponseType, 'checkLiveness'),
};

/** Encode a CheckResponse carrying only a status code (what Dikastes always answers). */
export function encodeStatusResponse(code: number): Buffer {
  return Buffer.from(CheckResponseType.encode(CheckResponseType.fromObject({ status: { code } })).finish());
}

/** Plain-object view of a decoded message in proto3 JSON style (camelCase names, enum names). */
export function toProto3Json(type: protobuf.Type, message: protobuf.Message | object): Record<string, unknown> {
  const msg = message instanceof type.ctor ? message : type.fromObject(message as object);
  return type.toObject(msg as protobuf.Message, { enums: String, longs: String, defaults: false, oneofs: false, json: true });
}
