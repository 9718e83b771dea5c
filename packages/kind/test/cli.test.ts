// `alpsim kind export` / `alpsim kind run` through the real CLI binary.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { REPO_ROOT } from './helpers/validate';

const ALPSIM = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'alpsim.js');

function alpsim(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ALPSIM, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

t.test('kind export writes the manifests and the plan', async (t) => {
  const out = t.testdir({});
  const r = await alpsim(['kind', 'export', 'scenarios/quickstart.yaml', '--out', out, '--dikastes-image', 'example.org/d:1']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, `quickstart: 6 files in ${out}`);
  t.same(fs.readdirSync(out).sort(), ['00-namespaces.yaml', '10-serviceaccounts.yaml', '20-policies.yaml', '30-workloads.yaml', '40-requests.yaml', 'plan.json']);
  t.match(fs.readFileSync(path.join(out, '30-workloads.yaml'), 'utf8'), 'alpsim.io/dikastes-image: example.org/d:1');
});

t.test('several scenarios: one directory each; fault warnings on stderr', async (t) => {
  const out = t.testdir({});
  const r = await alpsim(['kind', 'export', 'scenarios/quickstart.yaml', 'scenarios/faults.yaml', '--out', out]);
  t.equal(r.status, 0, r.stderr);
  t.same(fs.readdirSync(out).sort(), ['01-quickstart', '02-faults']);
  t.match(r.stderr, /alpsim: warning: faults: step \d+: fault \S+ is not reproduced on kind/);
});

t.test('user mistakes: message, no stack, exit 2', async (t) => {
  const missing = await alpsim(['kind', 'export', 'scenarios/nope.yaml', '--out', t.testdir({})]);
  t.equal(missing.status, 2);
  t.match(missing.stderr, /^alpsim: scenarios\/nope\.yaml: no such file or directory/);
  t.notMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  const settle = await alpsim(['kind', 'export', 'scenarios/quickstart.yaml', '--out', t.testdir({}), '--settle', 'soon']);
  t.equal(settle.status, 2);
  t.match(settle.stderr, /--settle: expected a number of seconds, got "soon"/);
});

t.test('kind run without a reachable cluster: a clear error, exit 2, nothing applied', async (t) => {
  // A kubeconfig with no contexts: the real kubectl refuses.
  const dir = t.testdir({ config: 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' });
  const kubeconfig = path.join(dir, 'config');
  const manifests = path.join(dir, 'manifests');
  const r = await alpsim(['kind', 'run', 'scenarios/quickstart.yaml', '--manifests', manifests, '--timeout', '5'], { KUBECONFIG: kubeconfig });
  t.equal(r.status, 2, r.stdout + r.stderr);
  if (/kubectl not found/.test(r.stderr)) {
    t.match(r.stderr, /^alpsim: kubectl not found on PATH/);
    return;
  }
  t.match(r.stderr, /^alpsim: no reachable cluster at kubectl context kind-alpsim: .*context.*kind-alpsim/);
  t.match(r.stderr, /create it with scripts\/kind\/up, or name another with --context/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.notOk(fs.existsSync(manifests), 'nothing written or applied');
});
