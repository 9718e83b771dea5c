// Building ToDataplane messages the way Felix's policysync processor shapes them.
import { ipSetIdsOfRules } from '@alpsim/calico';
import type { IPSetType, Policy, PolicyID, Profile, ToDataplane, WorkloadEndpoint, WorkloadEndpointID } from '@alpsim/proto';

/** Felix's policysync.MaxMembersPerMessage: ~4 MiB / 51 bytes (the worst-case IPv6,proto:port member). */
export const MAX_MEMBERS_PER_MESSAGE = 82200;

/** IP-set IDs a policy or profile references (any of the 8 ID fields), de-duplicated, first-use order. */
export function ipSetIdsOfPolicy(policy: Policy | Profile): string[] {
  return [...new Set([...ipSetIdsOfRules(policy.inboundRules), ...ipSetIdsOfRules(policy.outboundRules)])];
}

/**
 * A full IP set as Felix sends it: one IPSetUpdate with the first chunk of members, then
 * IPSetDeltaUpdates carrying the remaining members as additions.
 */
export function fullIPSetMessages(id: string, type: IPSetType, members: readonly string[]): ToDataplane[] {
  const out: ToDataplane[] = [{ ipsetUpdate: { id, type, members: members.slice(0, MAX_MEMBERS_PER_MESSAGE) } }];
  for (let start = MAX_MEMBERS_PER_MESSAGE; start < members.length; start += MAX_MEMBERS_PER_MESSAGE) {
    out.push({ ipsetDeltaUpdate: { id, addedMembers: members.slice(start, start + MAX_MEMBERS_PER_MESSAGE), removedMembers: [] } });
  }
  return out;
}

/** Members cut into MAX_MEMBERS_PER_MESSAGE chunks; an empty list is one empty chunk (as Felix's splitMembers). */
function chunks(members: readonly string[]): string[][] {
  if (members.length === 0) return [[]];
  const out: string[][] = [];
  for (let i = 0; i < members.length; i += MAX_MEMBERS_PER_MESSAGE) out.push(members.slice(i, i + MAX_MEMBERS_PER_MESSAGE));
  return out;
}

/**
 * A delta split the way Felix's splitIPSetDeltaUpdate does it (spec §2.8): additions and removals
 * are each cut into chunks of MAX_MEMBERS_PER_MESSAGE; every message carries the next addition
 * chunk, plus the *last* remaining removal chunk if that whole chunk still fits alongside.
 */
export function deltaIPSetMessages(id: string, added: readonly string[], removed: readonly string[]): ToDataplane[] {
  const adds = chunks(added);
  const dels = chunks(removed);
  const out: ToDataplane[] = [];
  while (adds.length + dels.length > 0) {
    const addedMembers = adds.shift() ?? [];
    let removedMembers: string[] = [];
    const last = dels[dels.length - 1];
    if (last && addedMembers.length + last.length <= MAX_MEMBERS_PER_MESSAGE) removedMembers = dels.pop()!;
    out.push({ ipsetDeltaUpdate: { id, addedMembers, removedMembers } });
  }
  return out;
}

export function policyUpdate(id: PolicyID, policy: Policy): ToDataplane {
  return { activePolicyUpdate: { id, policy } };
}
export function policyRemove(id: PolicyID): ToDataplane {
  return { activePolicyRemove: { id } };
}
export function profileUpdate(name: string, profile: Profile): ToDataplane {
  return { activeProfileUpdate: { id: { name }, profile } };
}
export function profileRemove(name: string): ToDataplane {
  return { activeProfileRemove: { id: { name } } };
}
export function endpointUpdate(id: WorkloadEndpointID, endpoint: WorkloadEndpoint): ToDataplane {
  return { workloadEndpointUpdate: { id, endpoint } };
}
export function endpointRemove(id: WorkloadEndpointID): ToDataplane {
  return { workloadEndpointRemove: { id } };
}

/** The endpoint ID Felix derives from a socket's credentials: k8s / "<ns>/<pod>" / eth0. */
export function workloadEndpointId(workloadKey: string): WorkloadEndpointID {
  return { orchestratorId: 'k8s', workloadId: workloadKey, endpointId: 'eth0' };
}

/** JSON with object keys sorted, to compare message contents independent of key order. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Set) return [...v].sort();
    if (v instanceof Map) return Object.fromEntries([...v.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** Which payload a ToDataplane carries (for logs and tests). */
export function payloadKind(message: ToDataplane): string {
  if (message.payload) return message.payload;
  for (const key of Object.keys(message)) {
    if (key !== 'sequenceNumber' && (message as Record<string, unknown>)[key] !== undefined) return key;
  }
  return 'none';
}
