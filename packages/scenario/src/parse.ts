import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { ProblemList, ScenarioError } from './errors';
import { Cursor } from './yaml-cursor';
import {
  COMPAT_LEVELS,
  FAULT_KINDS,
  type Compat,
  type DeleteRef,
  type PeerRef,
  type PortSpec,
  type RequestSpec,
  type ResourceRef,
  type Scenario,
  type Step,
  type WorkloadSpec,
} from './model';

export const DEFAULT_COMPAT: Compat = '3.28';
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const WORKLOAD_REF = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HTTP_METHOD = /^[A-Za-z*][A-Za-z0-9_*-]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `ns/name`, or a bare name in the `default` namespace. */
export function workloadKey(ref: string): string {
  return ref.includes('/') ? ref : `default/${ref}`;
}

/** Parse every scenario document in a file (several per file are allowed, separated by `---`). */
export function parseScenarioFile(file: string): Scenario[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(`${file}: cannot read scenario file: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return parseScenarioText(text, file);
}

export function parseScenarioText(text: string, file: string): Scenario[] {
  const lines = new LineCounter();
  const problems = new ProblemList();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const scenarios: Scenario[] = [];
  const docList = Array.isArray(docs) ? docs : [];
  for (const doc of docList) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const { line, col } = lines.linePos(error.pos[0]);
        problems.add({ file, line, col }, '', `YAML syntax error: ${error.message.split('\n')[0]}`);
      }
      continue;
    }
    const root = new Cursor(file, lines, problems, doc.contents as never, '', doc.range[0], text);
    if (!root.present) continue; // an empty document between separators
    const scenario = parseScenarioDocument(root, path.dirname(path.resolve(file)));
    if (scenario) scenarios.push(scenario);
  }
  problems.throwIfAny();
  if (scenarios.length === 0) throw new ScenarioError(`${file}:1:1: (document): expected at least one Scenario document`);
  const seen = new Map<string, Scenario>();
  for (const scenario of scenarios) {
    const earlier = seen.get(scenario.name);
    if (earlier) {
      problems.add(scenario.pos, 'metadata.name', `duplicate scenario name ${JSON.stringify(scenario.name)} (also at line ${earlier.pos.line})`);
    }
    seen.set(scenario.name, scenario);
  }
  problems.throwIfAny();
  return scenarios;
}

function parseScenarioDocument(root: Cursor, baseDir: string): Scenario | undefined {
  if (!root.requireMap('a Scenario document (apiVersion, kind, metadata, spec)')) return undefined;
  root.onlyKeys(['apiVersion', 'kind', 'metadata', 'spec']);
  root.field('apiVersion').oneOf(['alpsim/v1'], { required: true });
  root.field('kind').oneOf(['Scenario'], { required: true });
  const metadata = root.field('metadata');
  let name: string | undefined;
  if (metadata.requireMap('a mapping with name')) {
    metadata.onlyKeys(['name', 'description', 'labels', 'annotations']);
    name = metadata.field('name').string({ required: true, expected: 'a scenario name' });
  }
  const spec = root.field('spec');
  if (!spec.requireMap('a mapping (resources, workloads, requests, steps)')) return undefined;
  spec.onlyKeys(['compat', 'trustDomain', 'resources', 'workloads', 'requests', 'steps']);
  const compat = spec.field('compat').oneOf(COMPAT_LEVELS) ?? DEFAULT_COMPAT;
  const trustDomain =
    spec.field('trustDomain').string({ pattern: DNS_SUBDOMAIN, expected: 'a trust domain (DNS name, e.g. cluster.local)' }) ??
    DEFAULT_TRUST_DOMAIN;
  const resources = spec.field('resources').list('resources').map((item) => parseResourceRef(item, baseDir, root.source));
  const workloads = spec.field('workloads').list('workloads').map(parseWorkload);
  const requests = spec
    .field('requests')
    .list('requests')
    .map((item, index) => parseRequest(item, `requests[${index}]`));
  const steps = spec
    .field('steps')
    .list('steps')
    .map((item, index) => parseStep(item, index, baseDir, root.source));
  if (name === undefined) return undefined;
  return {
    name,
    file: root.file,
    pos: root.pos,
    compat,
    trustDomain,
    resources: resources.filter((r): r is ResourceRef => r !== undefined),
    workloads: workloads.filter((w): w is WorkloadSpec => w !== undefined),
    requests: requests.filter((r): r is RequestSpec => r !== undefined),
    steps: steps.filter((s): s is Step => s !== undefined),
  };
}

function parseResourceRef(item: Cursor, baseDir: string, sourceText: string): ResourceRef | undefined {
  if (!item.requireMap('{file: <path or glob>} or an inline resource (apiVersion, kind, metadata, spec)')) return undefined;
  const keys = item.keys();
  if (keys.includes('file')) {
    item.onlyKeys(['file']);
    const pattern = item.field('file').string({ required: true, expected: 'a file path or glob, relative to the scenario file' });
    return pattern === undefined ? undefined : { kind: 'file', pattern, baseDir, pos: item.pos };
  }
  item.field('apiVersion').string({ required: true, expected: 'an apiVersion (e.g. projectcalico.org/v3)' });
  item.field('kind').string({ required: true, expected: 'a resource kind (e.g. GlobalNetworkPolicy)' });
  const metadata = item.field('metadata');
  if (metadata.requireMap('a mapping with name')) metadata.field('name').string({ required: true, expected: 'a resource name' });
  return { kind: 'inline', object: item.toJS() as Record<string, unknown>, pos: item.pos, text: item.paddedSource(sourceText) };
}

function parseWorkload(item: Cursor): WorkloadSpec | undefined {
  if (!item.requireMap('a workload (name, namespace, serviceAccount, labels, ip, ports, sidecar)')) return undefined;
  item.onlyKeys(['name', 'namespace', 'serviceAccount', 'labels', 'ip', 'ports', 'sidecar']);
  const name = item.field('name').string({ required: true, pattern: DNS_SUBDOMAIN, expected: 'a pod name (lower-case DNS name)' });
  const namespace = item.field('namespace').string({ pattern: DNS_LABEL, expected: 'a namespace name (DNS label)' }) ?? 'default';
  const serviceAccount =
    item.field('serviceAccount').string({ pattern: DNS_SUBDOMAIN, expected: 'a service account name (DNS name)' }) ?? 'default';
  const labels = item.field('labels').stringMap('label names to values');
  const ip = item.field('ip').string({ pattern: IPV4, expected: 'an IPv4 address (e.g. 10.0.0.5)' });
  const ports = parsePorts(item.field('ports'));
  const sidecar = item.field('sidecar').boolean() ?? true;
  if (name === undefined) return undefined;
  return {
    key: `${namespace}/${name}`,
    name,
    namespace,
    serviceAccount,
    labels,
    ip,
    ports,
    sidecar,
    pos: item.pos,
    origin: 'scenario',
  };
}

function parsePorts(cursor: Cursor): PortSpec[] {
  const ports: PortSpec[] = [];
  for (const item of cursor.list('ports ({name, port, protocol} or a number)')) {
    if (item.isScalar()) {
      const port = item.integer(1, 65535, { required: true });
      if (port !== undefined) ports.push({ port, protocol: 'TCP' });
      continue;
    }
    if (!item.requireMap('a port ({name, port, protocol} or a number)')) continue;
    item.onlyKeys(['name', 'port', 'protocol']);
    const name = item.field('name').string({ pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, expected: 'a port name (IANA service name)' });
    const port = item.field('port').integer(1, 65535, { required: true });
    const protocol = item.field('protocol').oneOf(['TCP', 'UDP', 'SCTP'] as const) ?? 'TCP';
    if (port !== undefined) ports.push(name === undefined ? { port, protocol } : { name, port, protocol });
  }
  return ports;
}

function parsePeer(cursor: Cursor): PeerRef | undefined {
  if (cursor.isMap()) {
    cursor.onlyKeys(['ip']);
    const ip = cursor.field('ip').string({ required: true, pattern: IPV4, expected: 'an IPv4 address' });
    return ip === undefined ? undefined : { kind: 'ip', ip };
  }
  const ref = cursor.string({ required: true, pattern: WORKLOAD_REF, expected: 'a workload <namespace>/<name>, or {ip: <address>}' });
  return ref === undefined ? undefined : { kind: 'workload', key: workloadKey(ref) };
}

export function parseRequest(item: Cursor, id: string): RequestSpec | undefined {
  if (!item.requireMap('a request (from, to, port, method, path, headers, expect)')) return undefined;
  item.onlyKeys(['name', 'from', 'to', 'port', 'method', 'path', 'headers', 'expect']);
  const from = parsePeer(item.field('from'));
  const toText = item.field('to').string({ required: true, pattern: WORKLOAD_REF, expected: 'a workload <namespace>/<name> with a sidecar' });
  const port = item.field('port').integer(1, 65535);
  const method = item.field('method').string({ pattern: HTTP_METHOD, expected: 'an HTTP method (e.g. GET)' }) ?? 'GET';
  const reqPath = item.field('path').string({ pattern: /^\/[^\s]*$/, expected: 'a path starting with / (no spaces)' }) ?? '/';
  const headersCursor = item.field('headers');
  const headers = headersCursor.stringMap('header names to values');
  for (const key of Object.keys(headers)) {
    if (!HEADER_NAME.test(key)) headersCursor.field(key).fail('expected a valid HTTP header name');
  }
  const expect = item.field('expect').oneOf(['allow', 'deny'] as const, { required: true });
  if (!from || toText === undefined || expect === undefined) return undefined;
  const to = workloadKey(toText);
  const fromText = from.kind === 'workload' ? from.key : from.ip;
  const name = item.field('name').string({ expected: 'a request name' }) ?? `${fromText} → ${to} ${method} ${reqPath}`;
  const lowered: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lowered[k.toLowerCase()] = v;
  return { id, name, from, to, port, method, path: reqPath, headers: lowered, expect, pos: item.pos };
}

function parseDeleteRef(item: Cursor): DeleteRef | undefined {
  if (!item.requireMap('{kind, name, namespace?}')) return undefined;
  item.onlyKeys(['kind', 'name', 'namespace', 'apiVersion']);
  const kind = item.field('kind').string({ required: true, expected: 'a resource kind (e.g. GlobalNetworkPolicy)' });
  const name = item.field('name').string({ required: true, expected: 'a resource name' });
  const namespace = item.field('namespace').string({ pattern: DNS_LABEL, expected: 'a namespace name' });
  if (kind === undefined || name === undefined) return undefined;
  return namespace === undefined ? { kind, name, pos: item.pos } : { kind, name, namespace, pos: item.pos };
}

function parseStep(item: Cursor, index: number, baseDir: string, sourceText: string): Step | undefined {
  const STEP_KEYS = ['apply', 'delete', 'request', 'fault'];
  if (!item.requireMap(`a step: one of ${STEP_KEYS.join(', ')}`)) return undefined;
  const keys = item.keys().filter((k) => STEP_KEYS.includes(k));
  item.onlyKeys(STEP_KEYS);
  if (keys.length !== 1) {
    item.fail(`expected exactly one of ${STEP_KEYS.join(', ')}`);
    return undefined;
  }
  const body = item.field(keys[0]);
  switch (keys[0]) {
    case 'apply': {
      const resources = body.list('resources', { required: true, single: true }).map((r) => parseResourceRef(r, baseDir, sourceText));
      if (resources.some((r) => r === undefined)) return undefined;
      return { kind: 'apply', resources: resources as ResourceRef[], pos: item.pos };
    }
    case 'delete': {
      const refs = body.list('{kind, name, namespace?}', { required: true, single: true }).map(parseDeleteRef);
      if (refs.some((r) => r === undefined)) return undefined;
      return { kind: 'delete', refs: refs as DeleteRef[], pos: item.pos };
    }
    case 'request': {
      const request = parseRequest(body, `steps[${index}].request`);
      return request ? { kind: 'request', request, pos: item.pos } : undefined;
    }
    default: {
      if (body.isMap()) {
        body.onlyKeys(['type', 'workload']);
        const fault = body.field('type').oneOf(FAULT_KINDS, { required: true });
        const workload = body.field('workload').string({ pattern: WORKLOAD_REF, expected: 'a workload <namespace>/<name>' });
        if (!fault) return undefined;
        return workload === undefined
          ? { kind: 'fault', fault, pos: item.pos }
          : { kind: 'fault', fault, workload: workloadKey(workload), pos: item.pos };
      }
      const fault = body.oneOf(FAULT_KINDS, { required: true });
      return fault ? { kind: 'fault', fault, pos: item.pos } : undefined;
    }
  }
}
