// The Dockerfile, checked without a Docker engine: what it copies exists (and is not excluded by
// .dockerignore), and the entry points it installs lead to files the build produces.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { REPO_ROOT } from './helpers/validate';

const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const ignored = fs
  .readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

t.test('Node 20 base, Calico-like layout', async (t) => {
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  t.ok(froms.length >= 2 && froms.every((f) => /^node:20[-.]/.test(f)), `node:20 images (${froms.join(', ')})`);
  t.match(dockerfile, /^ENTRYPOINT \["\/dikastes"\]$/m, 'ENTRYPOINT /dikastes as in calico/dikastes');
  t.match(dockerfile, /^CMD \["server"\]$/m);
  t.match(dockerfile, /^USER 999:999$/m, 'UID 999 as the injection template expects (runAsNonRoot)');
});

t.test('every COPY source exists and is not ignored', async (t) => {
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
    const parts = m[1].trim().split(/\s+/);
    for (const src of parts.slice(0, -1)) {
      t.ok(fs.existsSync(path.join(REPO_ROOT, src)), `${src} exists`);
      t.notOk(ignored.some((pattern) => pattern === src || pattern === `${src}/`), `${src} not in .dockerignore`);
    }
  }
  t.ok(ignored.includes('**/node_modules') && ignored.includes('**/dist'), 'host builds stay out of the context');
});

t.test('entry points lead to files of the built repository', async (t) => {
  for (const name of ['dikastes', 'healthz', 'pilot-webhook']) {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'docker', name), 'utf8');
    const m = /^exec node \/app\/(\S+) "\$@"$/m.exec(text);
    t.ok(m, `${name} execs node on a file under /app`);
    if (m) t.ok(fs.existsSync(path.join(REPO_ROOT, m[1])), `${name} → ${m[1]} exists after the build`);
    t.ok(fs.statSync(path.join(REPO_ROOT, 'docker', name)).mode & 0o111, `${name} is executable`);
  }
  t.ok(fs.existsSync(path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'alpsim.js')), 'alpsim bin (symlinked to /usr/local/bin)');
});
