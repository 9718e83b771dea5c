// Selector benchmark: parse throughput (cache bypassed with unique texts) and evaluate cost.
// Run after a build: `npx tsc -b packages/selector && node --expose-gc bench/selector.mjs`
// Target (informal): evaluate of a typical policy selector well under 100 ns, zero heap growth per call.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { parseSelector } = require('../packages/selector/dist/src/index.js');

const typical = [
  `(projectcalico.org/namespace == "prod" && app == "web")`,
  `(pcns.env == "prod" && (pcsa.team in {"a", "b", "c", "d", "e", "f"} || !has(pcsa.legacy)))`,
  `role starts with "front" && tier not in {"db", "cache"} && version != "v1"`,
];
const labelSets = [
  { 'projectcalico.org/namespace': 'prod', app: 'web', role: 'frontend', tier: 'web', version: 'v2' },
  { 'pcns.env': 'prod', 'pcsa.team': 'e', 'pcsa.legacy': '' },
  { app: 'db' },
];

function time(label, n, fn) {
  fn(Math.min(n, 10_000)); // warm up
  const start = process.hrtime.bigint();
  fn(n);
  const ns = Number(process.hrtime.bigint() - start);
  console.log(`${label.padEnd(34)} ${(ns / n).toFixed(1).padStart(9)} ns/op  (${Math.round((n / ns) * 1e9).toLocaleString()} op/s)`);
}

let unique = 0;
time('parse (uncached, modern)', 50_000, (n) => {
  for (let i = 0; i < n; i++) parseSelector(`${typical[i % 3]} && x${unique++} == "y"`);
});
time('parse (uncached, 2018)', 50_000, (n) => {
  for (let i = 0; i < n; i++) parseSelector(`${typical[0]} && x${unique++} == "y"`, { dialect: '2018' });
});
time('parse (cached)', 1_000_000, (n) => {
  for (let i = 0; i < n; i++) parseSelector(typical[i % 3]);
});

const selectors = typical.map((t) => parseSelector(t));
let hits = 0;
const evaluateLoop = (n) => {
  for (let i = 0; i < n; i++) if (selectors[i % 3].evaluate(labelSets[i % 3])) hits++;
};
time('evaluate (typical mix)', 10_000_000, evaluateLoop);

if (global.gc) {
  global.gc();
  const before = process.memoryUsage().heapUsed;
  evaluateLoop(5_000_000);
  const grown = process.memoryUsage().heapUsed - before;
  console.log(`heap growth over 5M evaluations     ${(grown / 1024).toFixed(0)} KiB (${(grown / 5e6).toFixed(3)} B/op)`);
}
console.log(`(matched ${hits} times)`);
