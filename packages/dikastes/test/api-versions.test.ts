// The three ext_authz service names and dikastes.Healthz on one socket (spec §1.3, §10).
import t from 'tap';
import { endpoint, inSync, policy, request } from './helpers/build';
import { startHarness } from './helpers/harness';

const store = [policy('p', [{ action: 'allow', httpMatch: { methods: ['GET'] } }]), endpoint({ tiers: [{ ingress: ['p'] }] }), inSync];

t.test('v3, v2 and v2alpha answer with the same handler', async (t) => {
  const h = await startHarness(t, { felixScript: store });
  await t.resolves(new Promise<void>((r) => (h.dikastes.activeStore() ? r() : h.dikastes.once('insync', () => r()))));
  for (const v of ['v3', 'v2', 'v2alpha'] as const) {
    t.equal(await h.check(request(), v), 0, `${v} allow`);
    t.equal(await h.check(request({ method: 'POST' }), v), 7, `${v} deny`);
  }
});

t.test('v2 shim: a v2 request without a destination peer (3.28 => 13, 3.2 => 7)', async (t) => {
  for (const [compat, want] of [['3.28', 13], ['3.29', 13], ['3.2', 7]] as const) {
    const h = await startHarness(t, { compat, felixScript: store });
    await new Promise<void>((r) => (h.dikastes.activeStore() ? r() : h.dikastes.once('insync', () => r())));
    t.equal(await h.check(request({ destination: null }), 'v2'), want, `${compat} v2`);
    t.equal(await h.check(request({ destination: null }), 'v2alpha'), want, `${compat} v2alpha`);
    t.equal(await h.check(request({ destination: null }), 'v3'), 7, `${compat} v3`);
    if (want === 13) t.ok(h.logs.some((l) => /level=error.*v2.*without a destination/.test(l)), 'logged');
  }
});

t.test('Healthz: liveness always true, readiness follows InSync', async (t) => {
  const h = await startHarness(t, { felixScript: [endpoint({})] });
  t.equal(await h.liveness(), true);
  t.equal(await h.readiness(), false, 'not ready before InSync');
  t.equal(await h.check(request()), 14, 'UNAVAILABLE before InSync');
  const live = new Promise((r) => h.dikastes.once('insync', r));
  h.felix.send(inSync);
  await live;
  t.equal(await h.readiness(), true);
  t.equal(await h.liveness(), true);
  t.equal(await h.check(request()), 7, 'endpoint without policies or profiles denies');
});

t.test('malformed Check bytes: a gRPC INTERNAL error, the server keeps serving', async (t) => {
  const grpc = await import('@grpc/grpc-js');
  const { grpcUnixTarget } = await import('@alpsim/proto');
  const h = await startHarness(t, { felixScript: store });
  await new Promise<void>((r) => (h.dikastes.activeStore() ? r() : h.dikastes.once('insync', () => r())));
  const client = new grpc.Client(grpcUnixTarget(h.socket), grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const err = await new Promise<{ code?: number } | null>((resolve) =>
    client.makeUnaryRequest(
      '/envoy.service.auth.v3.Authorization/Check',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from([0x0a, 0x09, 0x0a]),
      (e) => resolve(e),
    ),
  );
  t.equal(err?.code, grpc.status.INTERNAL);
  t.equal(await h.check(request()), 0, 'still serving');
});
