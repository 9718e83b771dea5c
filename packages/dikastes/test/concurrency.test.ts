// Many concurrent Checks while the store is updated in place and swapped on reconnect: every
// answer is a verdict of some complete store, never a half-applied one.
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { authorizationService, grpcUnixTarget, type CheckResponse } from '@alpsim/proto';
import { endpoint, inSync, policy, profile, request } from './helpers/build';
import { once } from './helpers/fake-felix';
import { startHarness } from './helpers/harness';

const allowStore = [profile('pr', [{ action: 'allow' }]), endpoint({ profiles: ['pr'] })];
const denyStore = [policy('p', [{ action: 'deny' }]), endpoint({ tiers: [{ ingress: ['p'] }] })];

t.test('concurrent Checks during updates and store swaps', async (t) => {
  const h = await startHarness(t, { felixScript: [...allowStore, inSync] });
  await once(h.dikastes, 'insync');
  const Client = grpc.makeGenericClientConstructor(authorizationService('v3') as unknown as grpc.ServiceDefinition, 'A');
  const client = new Client(grpcUnixTarget(h.socket), grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const check = () =>
    new Promise<number>((resolve, reject) =>
      (client as unknown as Record<string, Function>).Check(request(), (e: Error | null, r: CheckResponse) =>
        e ? reject(e) : resolve(r.status?.code ?? 0),
      ),
    );
  const codes = new Map<number, number>();
  let stop = false;
  const workers = Array.from({ length: 16 }, async () => {
    while (!stop) {
      const code = await check();
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  });
  // Flip the verdict by in-place updates and by whole-store swaps.
  for (let i = 0; i < 10; i++) {
    h.felix.send(profile('pr', [{ action: i % 2 ? 'allow' : 'deny' }]));
    await new Promise((r) => setTimeout(r, 15));
    await h.resync(i % 2 ? allowStore : denyStore);
    await new Promise((r) => setTimeout(r, 15));
  }
  stop = true;
  await Promise.all(workers);
  const total = [...codes.values()].reduce((a, b) => a + b, 0);
  t.ok(total > 100, `${total} checks ran`);
  t.same([...codes.keys()].sort(), [0, 7], `only allow/deny answers: ${JSON.stringify([...codes])}`);
});
