import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import type { AuthzApiVersion } from '@alpsim/proto';
import type { TrafficOptions } from './load';
import { CALICO_SCALE_SHAPE, shapeForRuleCount, type StoreShape, totalRules } from './shape';

export interface StoreSpec {
  name: string;
  shape: StoreShape;
  /** Take the store and traffic from a scenario file instead of the generator. */
  scenario?: { file: string; workload?: string };
}

export interface ChurnOptions {
  /** Policy updates per second during the load. */
  rate: number;
  /** Gap between probe Checks (ms) on the probe's own connection. */
  probeIntervalMs: number;
}

export interface BenchProfile {
  name: string;
  description: string;
  file: string;
  seed: number;
  /** direct: Check over the socket; full: through the mTLS sidecar; scenario: issue 5's scenario-vs-bare-Check overhead. */
  path: 'direct' | 'full' | 'scenario';
  compat: '3.2' | '3.28' | '3.29';
  apiVersion: AuthzApiVersion;
  traffic: TrafficOptions;
  /** Measure the no-op floor in the same run (default true). */
  floor: boolean;
  /** Alternate this many SUT and floor slices of the load (default 4; 1 = SUT, then floor). */
  slices: number;
  stores: StoreSpec[];
  inProcess?: { iterations: number; warmup: number };
  churn?: ChurnOptions;
  /** full path: TLS connections reused (keep-alive) or one per request. */
  fullPath: { keepAlive: boolean };
}

export class ProfileError extends Error {
  readonly userError = true;
}

const SHAPE_KEYS: (keyof StoreShape)[] = [
  'policies', 'rulesPerPolicy', 'denyRules', 'allowRules', 'passAction', 'ipSetRuleFraction', 'ruleMix', 'ipSets',
  'membersPerSet', 'namespacedFraction', 'workloads', 'namespaces', 'requestMix',
];

/** Parse "5s", "250ms", "1m", or a number of milliseconds. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number' && value >= 0) return value;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
}

export function loadProfile(file: string): BenchProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProfileError(`cannot read profile ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseProfile(text, file);
}

export function parseProfile(text: string, file: string): BenchProfile {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter });
  const problems: string[] = [];
  const where = (path: (string | number)[]) => {
    let node: unknown = doc.getIn(path, true);
    for (let cut = path.length; (!node || !(node as { range?: unknown }).range) && cut > 0; cut--) node = doc.getIn(path.slice(0, cut - 1), true);
    const offset = (node as { range?: [number] } | undefined)?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const problem = (path: (string | number)[], expected: string) =>
    problems.push(`${where(path)}: ${path.length ? path.join('.') : '(document)'}: expected ${expected}`);
  for (const e of doc.errors) {
    const pos = lineCounter.linePos(e.pos[0]);
    problems.push(`${file}:${pos.line}:${pos.col}: YAML: ${e.message.split('\n')[0]}`);
  }
  if (problems.length) throw new ProfileError(problems.join('\n'));
  const root = doc.toJS() as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new ProfileError(`${file}:1:1: expected a mapping (a bench profile)`);

  const known = ['name', 'description', 'seed', 'path', 'compat', 'apiVersion', 'traffic', 'floor', 'slices', 'stores', 'inProcess', 'churn', 'fullPath'];
  for (const key of Object.keys(root)) if (!known.includes(key)) problem([key], `one of the profile keys ${known.join(', ')}`);

  const str = (path: string[], value: unknown, fallback: string, allowed?: string[]) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || (allowed && !allowed.includes(value))) {
      problem(path, allowed ? `one of ${allowed.map((a) => `'${a}'`).join(', ')}` : 'a string');
      return fallback;
    }
    return value;
  };
  const num = (path: (string | number)[], value: unknown, fallback: number, min = 0, integer = false) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      problem(path, `${integer ? 'an integer' : 'a number'} ≥ ${min}`);
      return fallback;
    }
    return value;
  };
  const duration = (path: string[], value: unknown, fallback: number | undefined) => {
    if (value === undefined) return fallback;
    const ms = parseDurationMs(value);
    if (ms === undefined) problem(path, "a duration such as '5s', '500ms' or a number of milliseconds");
    return ms ?? fallback;
  };
  const mapping = (path: string[], value: unknown): Record<string, unknown> => {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problem(path, 'a mapping');
      return {};
    }
    return value as Record<string, unknown>;
  };

  const name = str(['name'], root.name, file.replace(/^.*\//, '').replace(/\.ya?ml$/, ''));
  const t = mapping(['traffic'], root.traffic);
  for (const key of Object.keys(t)) {
    if (!['mode', 'concurrency', 'rate', 'duration', 'requests', 'warmup'].includes(key)) problem(['traffic', key], 'one of mode, concurrency, rate, duration, requests, warmup');
  }
  const mode = str(['traffic', 'mode'], t.mode, 'closed', ['closed', 'open']) as 'closed' | 'open';
  const traffic: TrafficOptions = {
    mode,
    concurrency: num(['traffic', 'concurrency'], t.concurrency, mode === 'open' ? 1000 : 16, 1, true),
    rate: t.rate === undefined ? undefined : num(['traffic', 'rate'], t.rate, 100, 1),
    durationMs: duration(['traffic', 'duration'], t.duration, undefined),
    requests: t.requests === undefined ? undefined : num(['traffic', 'requests'], t.requests, 1000, 1, true),
    warmupMs: duration(['traffic', 'warmup'], t.warmup, 1000) as number,
  };
  if (traffic.durationMs === undefined && traffic.requests === undefined) traffic.durationMs = 5000;
  if (mode === 'open' && traffic.rate === undefined) problem(['traffic', 'rate'], 'a target rate (requests/s) for open-loop traffic');

  const stores: StoreSpec[] = [];
  const storesValue = root.stores;
  if (!Array.isArray(storesValue) || storesValue.length === 0) {
    problem(['stores'], 'a non-empty list of stores, e.g. [{rules: 1000}] or [{preset: calico-scale}]');
  } else {
    storesValue.forEach((s, i) => {
      const spec = mapping(['stores', String(i)], s);
      for (const key of Object.keys(spec)) {
        if (!['name', 'rules', 'preset', 'scenario', 'workload', ...SHAPE_KEYS].includes(key as keyof StoreShape)) {
          problem(['stores', i, key], `one of name, rules, preset, scenario, workload, ${SHAPE_KEYS.join(', ')}`);
        }
      }
      let shape: StoreShape;
      let scenario: StoreSpec['scenario'];
      if (spec.scenario !== undefined) {
        if (typeof spec.scenario !== 'string') problem(['stores', i, 'scenario'], 'a scenario file path (relative to the profile)');
        else scenario = { file: path.resolve(path.dirname(file), spec.scenario) };
        if (spec.workload !== undefined) {
          if (typeof spec.workload !== 'string' || !/^[^/]+\/[^/]+$/.test(spec.workload)) problem(['stores', i, 'workload'], '<namespace>/<name> of a scenario workload');
          else if (scenario) scenario.workload = spec.workload;
        }
        shape = shapeForRuleCount(10);
      } else if (spec.preset !== undefined) {
        if (spec.preset !== 'calico-scale') problem(['stores', i, 'preset'], "'calico-scale'");
        shape = { ...CALICO_SCALE_SHAPE };
      } else if (spec.rules !== undefined) {
        const rules = num(['stores', i, 'rules'], spec.rules, 10, 2, true);
        shape = shapeForRuleCount(rules);
      } else if (spec.policies !== undefined && spec.rulesPerPolicy !== undefined) {
        shape = { ...CALICO_SCALE_SHAPE };
      } else {
        problem(['stores', i], 'rules: <n>, preset: calico-scale, or policies + rulesPerPolicy');
        shape = shapeForRuleCount(10);
      }
      for (const key of SHAPE_KEYS) {
        const v = spec[key];
        if (v === undefined) continue;
        if (key === 'passAction') shape.passAction = str(['stores', String(i), key], v, 'next-tier', ['next-tier', 'pass']) as 'next-tier';
        else if (key === 'ruleMix' || key === 'requestMix') {
          const mix = mapping(['stores', String(i), key], v);
          const base = { ...(shape[key] as unknown as Record<string, number>) };
          for (const [k, w] of Object.entries(mix)) {
            if (!(k in base)) problem(['stores', i, key, k], `one of ${Object.keys(base).join(', ')}`);
            else base[k] = num(['stores', i, key, k], w, 0, 0);
          }
          (shape as unknown as Record<string, unknown>)[key] = base;
        } else if (key === 'ipSetRuleFraction' || key === 'namespacedFraction') {
          const f = num(['stores', i, key], v, 0, 0);
          if (f > 1) problem(['stores', i, key], 'a fraction between 0 and 1');
          shape[key] = Math.min(1, f);
        } else {
          (shape as unknown as Record<string, number>)[key] = num(['stores', i, key], v, 1, key === 'policies' || key === 'rulesPerPolicy' ? 1 : 0, true);
        }
      }
      const rules = totalRules(shape);
      if (shape.denyRules + shape.allowRules >= rules) problem(['stores', i], `more rules than deny + allow rules (${rules} rules)`);
      const defaultName = scenario ? `scenario ${path.basename(scenario.file)}` : spec.preset === 'calico-scale' ? 'calico-scale' : `${rules} rules`;
      stores.push({ name: typeof spec.name === 'string' ? spec.name : defaultName, shape, scenario });
    });
  }

  let inProcess: BenchProfile['inProcess'];
  if (root.inProcess !== undefined && root.inProcess !== false) {
    const ip = root.inProcess === true ? {} : mapping(['inProcess'], root.inProcess);
    inProcess = {
      iterations: num(['inProcess', 'iterations'], ip.iterations, 2000, 1, true),
      warmup: num(['inProcess', 'warmup'], ip.warmup, 200, 0, true),
    };
  }
  let churn: ChurnOptions | undefined;
  if (root.churn !== undefined) {
    const c = mapping(['churn'], root.churn);
    churn = {
      rate: num(['churn', 'rate'], c.rate, 10, 0.1),
      probeIntervalMs: duration(['churn', 'probeInterval'], c.probeInterval, 1) as number,
    };
    for (const s of stores) s.shape.churnProbe = true;
  }
  const fp = mapping(['fullPath'], root.fullPath);
  const profile: BenchProfile = {
    name,
    description: str(['description'], root.description, ''),
    file,
    seed: num(['seed'], root.seed, 1, 0, true),
    path: str(['path'], root.path, 'direct', ['direct', 'full', 'scenario']) as BenchProfile['path'],
    compat: str(['compat'], root.compat === undefined ? undefined : String(root.compat), '3.28', ['3.2', '3.28', '3.29']) as BenchProfile['compat'],
    apiVersion: str(['apiVersion'], root.apiVersion, 'v3', ['v3', 'v2', 'v2alpha']) as AuthzApiVersion,
    traffic,
    floor: root.floor === undefined ? true : root.floor === true,
    slices: num(['slices'], root.slices, 4, 1, true),
    stores,
    inProcess,
    churn,
    fullPath: { keepAlive: fp.keepAlive === undefined ? true : fp.keepAlive === true },
  };
  if (root.floor !== undefined && typeof root.floor !== 'boolean') problem(['floor'], 'true or false');
  if (problems.length) throw new ProfileError(problems.join('\n'));
  return profile;
}
