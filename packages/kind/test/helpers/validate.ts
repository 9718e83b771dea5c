// Offline validation of every object alpsim's kind setup applies: Kubernetes kinds with the
// kubernetes-models classes, Istio kinds with @kubernetes-models/istio, Calico kinds against the CRD
// schemas in ../shared/crds (beside the repository) and @alpsim/calico's calicoctl-style validation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse as parseYaml, stringify } from 'yaml';
import { formatIssue, parseResourcesText, type Compat } from '@alpsim/calico';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy as K8sNetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ServiceEntry } from '@kubernetes-models/istio/networking.istio.io/v1beta1/ServiceEntry';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';

type Model = new (data: any) => { validate(): void };

const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Pod': Pod,
  'v1/Service': Service,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': K8sNetworkPolicy,
  'networking.istio.io/v1beta1/ServiceEntry': ServiceEntry,
  'networking.istio.io/v1beta1/DestinationRule': DestinationRule,
  'networking.istio.io/v1alpha3/EnvoyFilter': EnvoyFilter,
  'security.istio.io/v1beta1/PeerAuthentication': PeerAuthentication,
  'install.istio.io/v1alpha1/IstioOperator': IstioOperator,
};

/** Repository root, from packages/kind/dist/test/helpers. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');
/**
 * Calico's CRD schemas: ../shared/crds beside the clone when present (as in CI), else the identical copy
 * that @alpsim/calico ships, so the test also runs from a clone anywhere.
 */
export const SHARED_CRDS = [path.resolve(REPO_ROOT, '..', 'shared', 'crds'), path.resolve(REPO_ROOT, 'packages', 'calico', 'crds')]
  .find((dir) => fs.existsSync(dir)) as string;

const CRD_FILES: Record<string, string> = {
  NetworkPolicy: 'crd.projectcalico.org_networkpolicies.yaml',
  GlobalNetworkPolicy: 'crd.projectcalico.org_globalnetworkpolicies.yaml',
  NetworkSet: 'crd.projectcalico.org_networksets.yaml',
  GlobalNetworkSet: 'crd.projectcalico.org_globalnetworksets.yaml',
};

const crdValidators = new Map<string, ValidateFunction>();
function crdValidator(kind: string): ValidateFunction {
  let v = crdValidators.get(kind);
  if (!v) {
    const crd = parseYaml(fs.readFileSync(path.join(SHARED_CRDS, CRD_FILES[kind]), 'utf8'));
    const schema = crd.spec.versions[0].schema.openAPIV3Schema;
    v = new Ajv({ strict: false, allErrors: true }).compile(strip(schema));
    crdValidators.set(kind, v);
  }
  return v;
}

/** openAPIV3 → JSON schema: drop Kubernetes extensions; unlisted fields are errors (strict decoding). */
function strip(s: any): any {
  if (Array.isArray(s)) return s.map(strip);
  if (!s || typeof s !== 'object') return s;
  const out: any = {};
  for (const [k, v] of Object.entries(s)) if (!k.startsWith('x-kubernetes-')) out[k] = strip(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Problems of one object ([] = valid). `where` prefixes every message. */
export function validateObject(obj: Record<string, any>, where: string, compat: Compat = '3.29'): string[] {
  const id = `${obj.apiVersion}/${obj.kind}`;
  const label = `${where}: ${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`;
  if (obj.apiVersion === 'projectcalico.org/v3') {
    const problems: string[] = [];
    if (CRD_FILES[obj.kind]) {
      const validate = crdValidator(obj.kind);
      // The CRDs are the crd.projectcalico.org/v1 storage form of the same spec.
      if (!validate({ ...obj, apiVersion: 'crd.projectcalico.org/v1' })) {
        for (const e of validate.errors ?? []) problems.push(`${label}: ../shared/crds: ${e.instancePath || '/'} ${e.message}`);
      }
    } else if (obj.kind !== 'Tier') {
      problems.push(`${label}: no schema for ${id}`);
    }
    const { issues } = parseResourcesText(stringify(obj), where, { compat });
    for (const issue of issues) problems.push(`@alpsim/calico: ${formatIssue(issue)}`);
    return problems;
  }
  const Model = MODELS[id];
  if (!Model) return [`${label}: no schema for ${id}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (error) {
    return [`${label}: ${(error as Error).message}`];
  }
}

export function parseDocuments(text: string): Array<Record<string, any>> {
  return text
    .split(/^---\s*$/m)
    .map((doc) => parseYaml(doc))
    .filter((doc): doc is Record<string, any> => doc !== null && typeof doc === 'object');
}
