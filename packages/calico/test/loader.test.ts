// Loader inputs: files, directories (recursive), globs, '-' (stdin of a real child process),
// multi-document YAML, JSON, kind: List; every file's problems reported together.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { CalicoInputError, loadResources } from '../src/index';

const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

function tree(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-load-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.yaml'), `${NS('a1')}---\n${NS('a2')}\n---\n# empty document\n`);
  fs.writeFileSync(path.join(dir, 'sub', 'b.yml'), NS('b'));
  fs.writeFileSync(path.join(dir, 'sub', 'deeper', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }, null, 2));
  fs.writeFileSync(path.join(dir, 'sub', 'notes.txt'), 'not a resource');
  fs.writeFileSync(
    path.join(dir, 'list.yaml'),
    'apiVersion: v1\nkind: List\nitems:\n- ' + NS('l1').trim().split('\n').join('\n  ') + '\n- ' + NS('l2').trim().split('\n').join('\n  ') + '\n',
  );
  return dir;
}


t.test('a directory is read recursively (*.yaml, *.yml, *.json), multi-doc and List', async (t) => {
  const dir = tree(t);
  const rs = await loadResources([dir]);
  t.same(rs.map((r) => r.name), ['a1', 'a2', 'l1', 'l2', 'b', 'c']);
  t.same(rs[1].source, { file: path.join(dir, 'a.yaml'), line: 5, col: 1 });
  t.same(rs[3].source, { file: path.join(dir, 'list.yaml'), line: 7, col: 3 }, 'List items keep their own position');
  t.equal(rs[5].source!.file, path.join(dir, 'sub', 'deeper', 'c.json'));
});

t.test('globs and plain files', async (t) => {
  const dir = tree(t);
  const rs = await loadResources([path.join(dir, '**/*.yml'), path.join(dir, 'a.yaml')]);
  t.same(rs.map((r) => r.name), ['b', 'a1', 'a2']);
  await t.rejects(loadResources([path.join(dir, '*.nothing')]), { userError: true, message: /pattern matched no files/ });
  await t.rejects(loadResources([path.join(dir, 'missing.yaml')]), { userError: true, message: /no such file or directory/ });
});

t.test('errors across files are reported together and nothing is returned', async (t) => {
  const dir = tree(t);
  fs.writeFileSync(path.join(dir, 'bad1.yaml'), NS('Bad'));
  fs.writeFileSync(path.join(dir, 'bad2.yaml'), `${NS('ok')}---\n${NS('a1')}`);
  const err = (await loadResources([dir]).catch((e) => e)) as CalicoInputError;
  t.ok(err instanceof CalicoInputError);
  t.equal(err.userError, true);
  const lines = err.message.split('\n');
  t.equal(lines.length, 2, err.message);
  t.match(lines[0], new RegExp(`^${path.join(dir, 'bad1.yaml')}:3:18: Namespace Bad: metadata.name: name must consist`));
  t.match(lines[1], new RegExp(`^${path.join(dir, 'bad2.yaml')}:5:1: Namespace a1: metadata.name: duplicate resource: already defined at ${path.join(dir, 'a.yaml')}:1:1`));
});

t.test("'-' reads stdin (real child process)", async (t) => {
  const script = `
    const { loadResources } = require(${JSON.stringify(path.resolve(__dirname, '..', 'src', 'index.js'))});
    loadResources(['-']).then(
      (rs) => console.log(JSON.stringify(rs.map((r) => [r.kind, r.name, r.source]))),
      (e) => { console.error(e.message); process.exit(e.userError ? 2 : 1); });`;
  const ok = spawnSync(process.execPath, ['-e', script], { input: `${NS('from-stdin')}---\n${NS('second')}`, encoding: 'utf8' });
  t.equal(ok.status, 0, ok.stderr);
  t.same(JSON.parse(ok.stdout), [
    ['Namespace', 'from-stdin', { file: '<stdin>', line: 1, col: 1 }],
    ['Namespace', 'second', { file: '<stdin>', line: 5, col: 1 }],
  ]);
  const bad = spawnSync(process.execPath, ['-e', script], { input: '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "X"}}', encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^<stdin>:1:64: Namespace X: metadata\.name: name must consist/);
});

t.test('.json files must be strict JSON', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-json-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ns.json');
  fs.writeFileSync(file, '{"apiVersion": "v1",\n "kind": "Namespace", "metadata": {"name": "x"},}');
  await t.rejects(loadResources([file]), { userError: true, message: `${file}:2:49: invalid JSON: Expected double-quoted property name` });
});
