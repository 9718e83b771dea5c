// Every rule-field case of the engine table, end to end: a fake Felix streams the case's store
// over felix.PolicySync/Sync, and the verdict comes back over a real ext_authz Check on our socket.
import t from 'tap';
import { ALL, caseMessages, cases, expected, request } from './helpers/cases';
import { startHarness } from './helpers/harness';

for (const compat of ALL) {
  t.test(`compat ${compat}: every rule field over gRPC`, async (t) => {
    const h = await startHarness(t, { compat });
    for (const c of cases) {
      const want = expected(c, compat);
      if (want === undefined) continue;
      await h.resync(caseMessages(c));
      t.equal(await h.check(request(c.req)), want, c.name);
    }
  });
}
