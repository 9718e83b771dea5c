/**
 * Parse a dial/listen target as Dikastes does: a bare filesystem path, or a `unix:` URI
 * (`unix:/abs`, `unix:///abs`, `unix:relative`). Returns the filesystem path.
 */
export function unixSocketPath(target: string): string {
  if (target.startsWith('unix://')) return target.slice('unix://'.length);
  if (target.startsWith('unix:')) return target.slice('unix:'.length);
  return target;
}

/** The grpc-js target string for a Unix socket path. */
export function grpcUnixTarget(socketPath: string): string {
  return socketPath.startsWith('/') ? `unix://${socketPath}` : `unix:${socketPath}`;
}
