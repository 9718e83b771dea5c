// A fake Felix plus our Dikastes server on real Unix sockets in a temp dir, and gRPC clients.
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { grpcUnixTarget, healthzService, type AuthzApiVersion, type CheckRequest, type ToDataplane } from '@alpsim/proto';
import { createLogger, sendCheck, startDikastesServer, type Compat, type DikastesServer, type DikastesServerOptions } from '../../src/index';
import { FakeFelix, once, tempDir } from './fake-felix';
import { inSync } from './build';

export interface Harness {
  dir: string;
  felix: FakeFelix;
  dikastes: DikastesServer;
  socket: string;
  logs: string[];
  check(request: CheckRequest, apiVersion?: AuthzApiVersion): Promise<number>;
  readiness(): Promise<boolean>;
  liveness(): Promise<boolean>;
  /** Make Felix reconnect with these messages (+ InSync) and wait until the new store is live. */
  resync(messages: ToDataplane[]): Promise<void>;
}

interface TapLike {
  teardown(fn: () => void | Promise<void>): void;
}

export async function startHarness(
  t: TapLike,
  options: Partial<DikastesServerOptions> & { compat?: Compat; felixScript?: ToDataplane[]; startFelix?: boolean } = {},
): Promise<Harness> {
  const dir = tempDir(t);
  const felix = new FakeFelix(path.join(dir, 'felix.sock'));
  if (options.felixScript) felix.script = options.felixScript;
  if (options.startFelix !== false) await felix.listen();
  const logs: string[] = [];
  const socket = path.join(dir, 'dikastes.sock');
  const dikastes = await startDikastesServer({
    listen: socket,
    dial: felix.socketPath,
    retryMs: 20,
    logger: createLogger({ debug: options.debug, write: (line) => logs.push(line) }),
    ...options,
  });
  t.teardown(async () => {
    await dikastes.close();
    await felix.close();
  });
  const healthz = grpc.makeGenericClientConstructor(healthzService as unknown as grpc.ServiceDefinition, 'Healthz');
  const healthClient = new healthz(grpcUnixTarget(socket), grpc.credentials.createInsecure());
  t.teardown(() => healthClient.close());
  const health = (method: 'CheckReadiness' | 'CheckLiveness') =>
    new Promise<boolean>((resolve, reject) =>
      (healthClient as unknown as Record<string, Function>)[method]({}, (err: Error | null, res: { healthy?: boolean }) =>
        err ? reject(err) : resolve(res.healthy === true),
      ),
    );
  return {
    dir,
    felix,
    dikastes,
    socket,
    logs,
    check: async (request, apiVersion = 'v3') => {
      const response = await sendCheck(socket, request, { apiVersion });
      return response.status?.code ?? 0;
    },
    readiness: () => health('CheckReadiness'),
    liveness: () => health('CheckLiveness'),
    resync: async (messages) => {
      felix.script = [...messages, inSync];
      const live = once(dikastes, 'insync', 5000);
      felix.endStreams();
      await live;
    },
  };
}
