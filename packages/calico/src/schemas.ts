// Structural validation of Calico resources with the CRD openAPIV3 schemas (ajv), made strict: like
// calicoctl's strict decoding, a field that is not listed under `properties` is an error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { Issue } from './errors';
import type { Compat, ResourceKind } from './types';

const CRD_DIR = path.resolve(__dirname, '..', '..', 'crds');
const CRD_FILES: Partial<Record<ResourceKind, string>> = {
  NetworkPolicy: 'crd.projectcalico.org_networkpolicies.yaml',
  GlobalNetworkPolicy: 'crd.projectcalico.org_globalnetworkpolicies.yaml',
  NetworkSet: 'crd.projectcalico.org_networksets.yaml',
  GlobalNetworkSet: 'crd.projectcalico.org_globalnetworksets.yaml',
};

/** Fields the Dec-2021 CRDs carry that Calico v3.2 (2018) did not know. */
export const FIELDS_AFTER_2018: Record<string, string> = {
  namespaceSelector: 'policy-level namespaceSelector (Calico v3.10)',
  serviceAccountSelector: 'serviceAccountSelector (Calico v3.10)',
  metadata: 'rule metadata (Calico v3.12)',
  services: 'services match (Calico v3.20)',
};

type Schema = Record<string, any>;

function loadCrdSpecSchema(kind: ResourceKind): Schema {
  const file = CRD_FILES[kind];
  if (!file) throw new Error(`no CRD for ${kind}`);
  const crd = parseYaml(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'));
  return crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
}

/** openAPIV3 → JSON schema for ajv: drop descriptions / k8s extensions, forbid unlisted fields. */
function toStrictJsonSchema(s: Schema): Schema {
  if (Array.isArray(s)) return s.map(toStrictJsonSchema) as any;
  if (!s || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'description' || k.startsWith('x-kubernetes-')) continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, toStrictJsonSchema(pv)]));
    } else if (typeof v === 'object') {
      out[k] = toStrictJsonSchema(v);
    } else {
      out[k] = v;
    }
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function removeLaterFields(spec: Schema): void {
  const props = spec.properties ?? {};
  delete props.namespaceSelector;
  delete props.serviceAccountSelector;
  for (const dir of ['ingress', 'egress']) {
    const rule = props[dir]?.items;
    if (!rule?.properties) continue;
    delete rule.properties.metadata;
    for (const side of ['source', 'destination']) delete rule.properties[side]?.properties?.services;
  }
}

function ruleSchemaFrom(npSpec: Schema): Schema {
  return npSpec.properties.ingress.items;
}

function specSchema(kind: ResourceKind, compat: Compat): Schema {
  let schema: Schema;
  if (kind === 'Profile') {
    const rule = ruleSchemaFrom(toStrictJsonSchema(loadCrdSpecSchema('NetworkPolicy')));
    schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        ingress: { type: 'array', items: rule },
        egress: { type: 'array', items: rule },
        labelsToApply: { type: 'object', additionalProperties: { type: 'string' } },
      },
    };
  } else if (kind === 'Tier') {
    schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        order: { type: 'number' },
        defaultAction: { type: 'string', enum: ['Deny', 'Pass'] },
      },
    };
  } else {
    schema = toStrictJsonSchema(loadCrdSpecSchema(kind));
  }
  if (compat === '3.2') removeLaterFields(schema);
  if (compat === '3.29' && (kind === 'NetworkPolicy' || kind === 'GlobalNetworkPolicy')) {
    schema.properties.tier = { type: 'string' };
  }
  return schema;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(kind: ResourceKind, compat: Compat): ValidateFunction {
  const key = `${kind} ${compat}`;
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(specSchema(kind, compat));
    compiled.set(key, v);
  }
  return v;
}

export function hasSpecSchema(kind: ResourceKind): boolean {
  return kind in CRD_FILES || kind === 'Profile' || kind === 'Tier';
}

/** Structural issues of `spec` (paths start with 'spec'). */
export function validateSpecSchema(kind: ResourceKind, spec: unknown, compat: Compat): Issue[] {
  const validate = validatorFor(kind, compat);
  if (validate(spec ?? {})) return [];
  return ajvIssues(validate.errors ?? [], ['spec'], compat);
}

export function instancePathToFieldPath(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function ajvIssues(errors: ErrorObject[], prefix: (string | number)[], compat: Compat): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // Branch errors of int-or-string anyOf: reported once by the anyOf error itself.
    if (e.schemaPath.includes('/anyOf/')) continue;
    const base = [...prefix, ...instancePathToFieldPath(e.instancePath)];
    let issue: Issue;
    switch (e.keyword) {
      case 'additionalProperties': {
        const field = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((e.parentSchema as Schema)?.properties ?? {}).sort();
        const later = compat === '3.2' && FIELDS_AFTER_2018[field] ? ` (${FIELDS_AFTER_2018[field]} is not in Calico v3.2; use compat 3.28)` : '';
        issue = {
          path: [...base, field],
          atKey: true,
          message: `unknown field "${field}"${later}; expected one of: ${allowed.join(', ')}`,
        };
        break;
      }
      case 'required':
        // Reported at the parent map: the missing field has no position of its own.
        issue = { path: base, message: `required field "${(e.params as { missingProperty: string }).missingProperty}" is missing` };
        break;
      case 'type':
        issue = { path: base, message: `expected ${(e.params as { type: string }).type}, got ${typeName(e.data)}` };
        break;
      case 'anyOf':
        issue = { path: base, message: `expected an integer or a string, got ${typeName(e.data)}` };
        break;
      case 'enum':
        issue = {
          path: base,
          message: `expected one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}, got ${typeName(e.data)}`,
        };
        break;
      default:
        issue = { path: base, message: `expected value that ${e.message ?? 'matches the schema'}` };
    }
    const k = JSON.stringify(issue.path) + issue.message;
    if (!seen.has(k)) {
      seen.add(k);
      issues.push(issue);
    }
  }
  return issues;
}
