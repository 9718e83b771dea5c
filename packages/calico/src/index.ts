// @alpsim/calico — Calico v3 policy model: loading, validation and conversion as Felix computes it.
export * from './types';
export { CalicoInputError, formatIssue, type LocatedIssue } from './errors';
export { loadResources, parseResources, parseResourcesText, expandInputs, type LoadOptions, type ParseResult } from './loader';
export { validateResource } from './validate';
export { parseKindName, describeResource } from './kinds';
export {
  computeDataplane,
  interfaceName,
  storedPolicyName,
  defaultedTypes,
  policySelector,
  BUILTIN_TIERS,
  type ComputeDataplaneOptions,
} from './dataplane';
export {
  entityRuleSelectors,
  convertRules,
  convertProfile,
  selectorIPSetId,
  namedPortIPSetId,
  assignRuleIds,
  ipSetIdsOfRules,
  type IPSetDef,
  type EntitySelectors,
} from './rules';
export { k8sNetworkPolicyToCalicoSpec, k8sLabelSelectorToCalico } from './knp';
export { expandPods, IPAllocator, deterministicUid, IP_ANNOTATION, type PodModel } from './workloads';
export { ResourceSet, type ResourceSetOptions } from './resource-set';
export { canonicalCidr, parseCidr } from './net';
