import * as path from 'node:path';
import t from 'tap';
import { loadProfile, parseDurationMs, parseProfile } from '../src/index';

const PROFILES = path.resolve(__dirname, '..', '..', '..', '..', 'bench', 'profiles');

t.test('durations', async (t) => {
  t.equal(parseDurationMs('5s'), 5000);
  t.equal(parseDurationMs('250ms'), 250);
  t.equal(parseDurationMs('1m'), 60000);
  t.equal(parseDurationMs(40), 40);
  t.equal(parseDurationMs('soon'), undefined);
});

t.test('every shipped profile parses', async (t) => {
  for (const name of ['tiny', 'scaling', 'calico-scale', 'churn', 'full-path', 'scenario-vs-bare', 'dikastes-check']) {
    const file = path.join(PROFILES, `${name}.yaml`);
    const profile = loadProfile(file);
    t.equal(profile.name, name, file);
    t.ok(profile.stores.length > 0);
  }
});

t.test('bad profiles name file:line:col, the field path and what was expected, all at once', async (t) => {
  const text = ['name: bad', 'traffic:', '  mode: sideways', '  duration: soon', 'stores:', '  - rules: 1', '  - preset: nope', 'extra: 1', ''].join('\n');
  const error = t.throws(() => parseProfile(text, 'bad.yaml')) as Error & { userError?: boolean };
  t.equal(error.userError, true);
  t.match(error.message, /bad\.yaml:3:9: traffic\.mode: expected one of 'closed', 'open'/);
  t.match(error.message, /bad\.yaml:4:13: traffic\.duration: expected a duration/);
  t.match(error.message, /bad\.yaml:6:12: stores\.0\.rules: expected an integer ≥ 2/);
  t.match(error.message, /bad\.yaml:7:13: stores\.1\.preset: expected 'calico-scale'/);
  t.match(error.message, /bad\.yaml:8:8: extra: expected one of the profile keys/);
  t.throws(() => parseProfile('stores: [\n', 'broken.yaml'), { message: /broken\.yaml:\d+:\d+: YAML:/ });
  t.throws(() => loadProfile('/nonexistent/p.yaml'), { message: /cannot read profile/ });
});

t.test('churn turns on the probe policy in every store', async (t) => {
  const p = parseProfile('stores: [{rules: 100}]\nchurn: {rate: 10}\n', 'c.yaml');
  t.equal(p.churn?.rate, 10);
  t.equal(p.stores[0].shape.churnProbe, true);
});
