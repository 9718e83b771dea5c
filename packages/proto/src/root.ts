import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/** Where our .proto files live (shipped with the package, outside dist). */
export const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

const PROTO_FILES = [
  'felixbackend.proto',
  'healthz.proto',
  'ext_authz.proto',
  'ext_authz_v2.proto',
  'ext_authz_v2alpha.proto',
];

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports between our files are relative to PROTO_DIR; google/protobuf/* come from protobufjs' bundled copies.
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : path.join(PROTO_DIR, path.basename(target));
  root.loadSync(PROTO_FILES.map((f) => path.join(PROTO_DIR, f)), { keepCase: false });
  root.resolveAll();
  return root;
}

/** The single protobufjs root holding every message alpsim speaks. */
export const root = loadRoot();

export function messageType(fullName: string): protobuf.Type {
  return root.lookupType(fullName);
}
