// felix.PolicySync with a serializer that encodes each message object once: the processor shares
// policy, profile, IP-set and broadcast messages between clients, so N clients joining cost one
// encoding of the common part instead of N.
import type * as grpc from '@grpc/grpc-js';
import { policySyncService, type ToDataplane } from '@alpsim/proto';

const encoded = new WeakMap<object, Buffer>();
const serialize = policySyncService.Sync.responseSerialize;

export const cachingPolicySyncService = {
  Sync: {
    ...policySyncService.Sync,
    responseSerialize(message: ToDataplane): Buffer {
      let bytes = encoded.get(message);
      if (!bytes) {
        bytes = serialize(message);
        encoded.set(message, bytes);
      }
      return bytes;
    },
  } as grpc.MethodDefinition<object, ToDataplane>,
};
