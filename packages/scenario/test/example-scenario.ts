import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { evaluateInProcess } from '../src/engine-run';
import { runScenario } from '../src/run/scenario-run';
import { createFullTransport } from '../src/run/full-transport';
import { resolved, scenariosDir, verdicts } from './helpers';

/**
 * An example scenario end to end in both modes over real sockets and processes: every expectation
 * met, and both modes (and the in-process engine) give identical verdicts. One test file per example
 * so each gets its own time budget and they run in parallel.
 */
export function testExampleScenario(file: string): void {
  t.test(file, async (t) => {
    for (const scenario of await resolved(path.join(scenariosDir, file))) {
      const direct = await runScenario(scenario, { mode: 'direct', explain: false });
      t.equal(direct.error, undefined, 'direct mode ran to the end');
      const full = await runScenario(scenario, { mode: 'full', explain: false }, createFullTransport);
      t.equal(full.error, undefined, 'full mode ran to the end');
      const expected = scenario.requests.length + scenario.steps.filter((s) => s.kind === 'request').length;
      t.equal(direct.results.length, expected);
      const unmet = (results: typeof direct.results) =>
        results.filter((r) => !r.met).map((r) => `${r.request.name}: ${r.got} (${r.detail}): ${r.decision?.summary}`);
      t.same(unmet(direct.results), [], 'direct: every expectation met');
      t.same(unmet(full.results), [], 'full: every expectation met');
      t.same(verdicts(full.results), verdicts(direct.results), 'full and direct modes agree on every verdict');
      t.same(
        full.results.map((r) => r.decision?.summary),
        direct.results.map((r) => r.decision?.summary),
        'and on what decided each one',
      );
      if (!scenario.steps.some((s) => s.kind === 'fault')) {
        t.same(verdicts(evaluateInProcess(scenario, { explain: false }).results), verdicts(direct.results), 'the in-process engine agrees');
      }
      t.ok(direct.results.some((r) => r.got === 'allow') && direct.results.some((r) => r.got === 'deny'), 'shows both allow and deny');
    }
  });
}

export const EXAMPLE_FILES = ['bank.yaml', 'bookinfo.yaml', 'faults.yaml', 'policy-change.yaml', 'quickstart.yaml'];

export function listExampleFiles(): string[] {
  return fs.readdirSync(scenariosDir).filter((f) => f.endsWith('.yaml')).sort();
}
