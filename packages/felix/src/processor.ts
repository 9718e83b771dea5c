// The policysync processor: turns successive DataplaneState snapshots into the per-client message
// streams Felix would send (spec-felix-policysync §2.4–§2.8).
//
// A snapshot change is first turned into the calc-graph events Felix's EventSequencer would flush, in
// its dependency order; each event is then handled exactly as Felix's Processor handles it. Running
// the same handlers for joins and for updates keeps both paths consistent.
import type { DataplaneState } from '@alpsim/calico';
import type { IPSetType, Policy, PolicyID, Profile, ToDataplane, WorkloadEndpoint, WorkloadEndpointID } from '@alpsim/proto';
import {
  deltaIPSetMessages,
  endpointRemove,
  endpointUpdate,
  fullIPSetMessages,
  ipSetIdsOfPolicy,
  policyRemove,
  policyUpdate,
  profileRemove,
  profileUpdate,
  stableStringify,
} from './messages';

/** Where a client's messages go. `end()` closes the stream with OK. */
export interface ClientSink {
  send(message: ToDataplane): void;
  end(): void;
}

interface StoredIPSet {
  type: IPSetType;
  members: Set<string>;
  /** The full-set messages, built once per membership version and shared by every client. */
  full?: ToDataplane[];
}
interface StoredPolicy {
  id: PolicyID;
  policy: Policy;
  /** Shared by every client, so the gRPC layer serializes it once (see service.ts). */
  message?: ToDataplane;
  ipSetIds: string[];
  fingerprint: string;
}
interface StoredProfile {
  profile: Profile;
  message?: ToDataplane;
  ipSetIds: string[];
  fingerprint: string;
}
interface StoredEndpoint {
  id: WorkloadEndpointID;
  endpoint: WorkloadEndpoint;
  fingerprint: string;
}
interface StoredLabels<Id> {
  id: Id;
  labels: Record<string, string>;
  fingerprint: string;
}

/** One connected Sync stream. */
export interface ClientConnection {
  readonly workloadKey: string;
  readonly joinId: number;
  readonly sink: ClientSink;
  syncedPolicies: Set<string>;
  syncedProfiles: Set<string>;
  syncedIPSets: Set<string>;
}

function policyMapKey(id: PolicyID): string {
  return `${id.tier ?? ''}|${id.name ?? ''}`;
}

/** Policies an endpoint references, in tier order: per tier its ingress list, then egress-only extras. */
export function referencedPolicies(endpoint: WorkloadEndpoint): PolicyID[] {
  const out: PolicyID[] = [];
  const seen = new Set<string>();
  for (const tier of endpoint.tiers ?? []) {
    for (const name of [...(tier.ingressPolicies ?? []), ...(tier.egressPolicies ?? [])]) {
      const id = { tier: tier.name ?? '', name };
      const key = policyMapKey(id);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(id);
      }
    }
  }
  return out;
}

function sortedMembers(members: Iterable<string>): string[] {
  return [...members].sort();
}

export class PolicySyncProcessor {
  private readonly ipSets = new Map<string, StoredIPSet>();
  private readonly policies = new Map<string, StoredPolicy>();
  private readonly profiles = new Map<string, StoredProfile>();
  private readonly endpoints = new Map<string, StoredEndpoint>();
  private readonly serviceAccounts = new Map<string, StoredLabels<{ namespace: string; name: string }>>();
  private readonly namespaces = new Map<string, StoredLabels<{ name: string }>>();
  private readonly clients = new Map<string, ClientConnection>();
  private inSync = false;
  private nextJoinId = 1;

  /** True once the first snapshot was applied (Felix has received InSync from its calc graph). */
  get isInSync(): boolean {
    return this.inSync;
  }

  /** Connected clients, for status reporting. */
  connectedWorkloads(): string[] {
    return [...this.clients.keys()];
  }

  /** The endpoint (if known) for a workload key. */
  hasEndpoint(workloadKey: string): boolean {
    return this.endpoints.has(workloadKey);
  }

  // ---------------------------------------------------------------------------------------------
  // Joins and leaves

  /**
   * A new Sync stream for `workloadKey`. An existing stream for the same workload is ended with OK
   * first (Felix closes the old join's channel). The new client receives a full snapshot.
   */
  join(workloadKey: string, sink: ClientSink): ClientConnection {
    const previous = this.clients.get(workloadKey);
    if (previous) {
      this.clients.delete(workloadKey);
      previous.sink.end();
    }
    const client: ClientConnection = {
      workloadKey,
      joinId: this.nextJoinId++,
      sink,
      syncedPolicies: new Set(),
      syncedProfiles: new Set(),
      syncedIPSets: new Set(),
    };
    this.clients.set(workloadKey, client);
    if (this.endpoints.has(workloadKey)) this.syncEndpoint(client);
    for (const sa of this.serviceAccounts.values()) sink.send({ serviceAccountUpdate: { id: sa.id, labels: sa.labels } });
    for (const ns of this.namespaces.values()) sink.send({ namespaceUpdate: { id: ns.id, labels: ns.labels } });
    if (this.inSync) sink.send({ inSync: {} });
    return client;
  }

  /** The stream went away. A stale leave (from a connection already replaced) is ignored. */
  leave(client: ClientConnection): void {
    if (this.clients.get(client.workloadKey) === client) this.clients.delete(client.workloadKey);
  }

  /** End every stream with OK (server shutdown). */
  endAll(): void {
    const clients = [...this.clients.values()];
    this.clients.clear();
    for (const client of clients) client.sink.end();
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot diffing → calc-graph events in EventSequencer flush order (§2.7)
  //
  // Policies, profiles and endpoints are compared by their JSON (calico builds them with a fixed key
  // order; a reordering would only cause a redundant, harmless replace). Labels use a key-sorted form.

  setState(next: DataplaneState): void {
    // 1. New IP sets: stored only; sent when a policy/profile using them goes to a client.
    const removedIPSets: string[] = [];
    const deltas: { id: string; added: string[]; removed: string[] }[] = [];
    const replaced: string[] = [];
    for (const [id, info] of next.ipSets) {
      const stored = this.ipSets.get(id);
      if (!stored || stored.type !== info.type) {
        this.ipSets.set(id, { type: info.type, members: new Set(info.members) });
        if (stored) replaced.push(id); // a re-add with the same ID: clients holding it get it in full again
        continue;
      }
      const added: string[] = [];
      for (const m of info.members) if (!stored.members.has(m)) added.push(m);
      if (added.length === 0 && stored.members.size === info.members.size) continue; // unchanged
      const removed: string[] = [];
      for (const m of stored.members) if (!info.members.has(m)) removed.push(m);
      deltas.push({ id, added: added.sort(), removed: removed.sort() });
    }
    for (const id of this.ipSets.keys()) if (!next.ipSets.has(id)) removedIPSets.push(id);

    // 2. IP-set deltas, forwarded to every client that holds the set.
    for (const id of replaced) this.onIPSetReplaced(id);
    for (const delta of deltas) this.onIPSetDelta(delta.id, delta.added, delta.removed);

    // 3. Policy updates (added or changed).
    for (const info of next.policies.values()) {
      const key = policyMapKey(info.id);
      const fingerprint = JSON.stringify(info.policy);
      if (this.policies.get(key)?.fingerprint === fingerprint) continue;
      this.onPolicyUpdate(key, { id: info.id, policy: info.policy, ipSetIds: ipSetIdsOfPolicy(info.policy), fingerprint });
    }
    // 4. Profile updates.
    for (const [name, info] of next.profiles) {
      const fingerprint = JSON.stringify(info.profile);
      if (this.profiles.get(name)?.fingerprint === fingerprint) continue;
      this.onProfileUpdate(name, { profile: info.profile, ipSetIds: ipSetIdsOfPolicy(info.profile), fingerprint });
    }
    // 5. Endpoint updates.
    for (const [key, info] of next.endpoints) {
      const fingerprint = JSON.stringify([info.id, info.endpoint]);
      if (this.endpoints.get(key)?.fingerprint === fingerprint) continue;
      this.onEndpointUpdate(key, { id: info.id, endpoint: info.endpoint, fingerprint });
    }
    // 6. Endpoint removes, then profile, policy and IP-set removes (forget only).
    for (const key of [...this.endpoints.keys()]) if (!next.endpoints.has(key)) this.onEndpointRemove(key);
    for (const name of [...this.profiles.keys()]) if (!next.profiles.has(name)) this.profiles.delete(name);
    const nextPolicyKeys = new Set([...next.policies.values()].map((p) => policyMapKey(p.id)));
    for (const key of [...this.policies.keys()]) if (!nextPolicyKeys.has(key)) this.policies.delete(key);
    for (const id of removedIPSets) this.ipSets.delete(id);

    // 7. Service accounts and namespaces: removes then updates, broadcast to every client.
    this.syncLabelled(
      this.serviceAccounts,
      new Map([...next.serviceAccounts].map(([k, v]) => [k, { id: { namespace: v.id.namespace ?? '', name: v.id.name ?? '' }, labels: v.labels }])),
      (id) => ({ serviceAccountRemove: { id } }),
      (id, labels) => ({ serviceAccountUpdate: { id, labels } }),
    );
    this.syncLabelled(
      this.namespaces,
      new Map([...next.namespaces].map(([k, v]) => [k, { id: { name: v.id.name ?? '' }, labels: v.labels }])),
      (id) => ({ namespaceRemove: { id } }),
      (id, labels) => ({ namespaceUpdate: { id, labels } }),
    );

    // 8. The first snapshot completes the initial sync.
    if (!this.inSync) {
      this.inSync = true;
      this.broadcast({ inSync: {} });
    }
  }

  private syncLabelled<Id>(
    stored: Map<string, StoredLabels<Id>>,
    next: Map<string, { id: Id; labels: Record<string, string> }>,
    remove: (id: Id) => ToDataplane,
    update: (id: Id, labels: Record<string, string>) => ToDataplane,
  ): void {
    for (const [key, old] of [...stored]) {
      if (next.has(key)) continue;
      stored.delete(key);
      this.broadcast(remove(old.id));
    }
    for (const [key, info] of next) {
      const fingerprint = stableStringify(info);
      if (stored.get(key)?.fingerprint === fingerprint) continue;
      stored.set(key, { id: info.id, labels: info.labels, fingerprint });
      this.broadcast(update(info.id, info.labels));
    }
  }

  private broadcast(message: ToDataplane): void {
    for (const client of [...this.clients.values()]) client.sink.send(message);
  }

  // ---------------------------------------------------------------------------------------------
  // Felix Processor handlers

  private onIPSetReplaced(id: string): void {
    const stored = this.ipSets.get(id)!;
    for (const client of [...this.clients.values()]) {
      if (!client.syncedIPSets.has(id)) continue;
      for (const message of this.fullSet(id, stored)) client.sink.send(message);
    }
  }

  private onIPSetDelta(id: string, added: string[], removed: string[]): void {
    const stored = this.ipSets.get(id)!;
    stored.full = undefined;
    for (const m of added) stored.members.add(m);
    for (const m of removed) stored.members.delete(m);
    for (const client of [...this.clients.values()]) {
      if (!client.syncedIPSets.has(id)) continue; // never a delta for a set the client does not have
      for (const message of deltaIPSetMessages(id, added, removed)) client.sink.send(message);
    }
  }

  private onPolicyUpdate(key: string, stored: StoredPolicy): void {
    this.policies.set(key, stored);
    for (const client of [...this.clients.values()]) {
      const endpoint = this.endpoints.get(client.workloadKey);
      if (!endpoint || !referencedPolicies(endpoint.endpoint).some((id) => policyMapKey(id) === key)) continue;
      this.sendMissingIPSets(client, stored.ipSetIds);
      client.sink.send((stored.message ??= policyUpdate(stored.id, stored.policy)));
      client.syncedPolicies.add(key);
      this.sendIPSetRemoves(client, endpoint.endpoint);
    }
  }

  private onProfileUpdate(name: string, stored: StoredProfile): void {
    this.profiles.set(name, stored);
    for (const client of [...this.clients.values()]) {
      const endpoint = this.endpoints.get(client.workloadKey);
      if (!endpoint || !(endpoint.endpoint.profileIds ?? []).includes(name)) continue;
      this.sendMissingIPSets(client, stored.ipSetIds);
      client.sink.send((stored.message ??= profileUpdate(name, stored.profile)));
      client.syncedProfiles.add(name);
      this.sendIPSetRemoves(client, endpoint.endpoint);
    }
  }

  private onEndpointUpdate(key: string, stored: StoredEndpoint): void {
    this.endpoints.set(key, stored);
    const client = this.clients.get(key);
    if (client) this.syncEndpoint(client);
  }

  private onEndpointRemove(key: string): void {
    const stored = this.endpoints.get(key)!;
    this.endpoints.delete(key);
    const client = this.clients.get(key);
    if (!client) return;
    client.sink.send(endpointRemove(stored.id));
    this.clients.delete(key);
    client.sink.end();
  }

  /** "Sync endpoint" (§2.6): new sets, new policies, new profiles, the WEP, then removes. */
  private syncEndpoint(client: ClientConnection): void {
    const stored = this.endpoints.get(client.workloadKey)!;
    const policyIds = referencedPolicies(stored.endpoint).filter((id) => this.policies.has(policyMapKey(id)));
    const profileNames = (stored.endpoint.profileIds ?? []).filter((name) => this.profiles.has(name));

    this.sendMissingIPSets(client, this.referencedIPSets(stored.endpoint));
    for (const id of policyIds) {
      const key = policyMapKey(id);
      if (client.syncedPolicies.has(key)) continue;
      const policy = this.policies.get(key)!;
      client.sink.send((policy.message ??= policyUpdate(policy.id, policy.policy)));
      client.syncedPolicies.add(key);
    }
    for (const name of profileNames) {
      if (client.syncedProfiles.has(name)) continue;
      const profile = this.profiles.get(name)!;
      client.sink.send((profile.message ??= profileUpdate(name, profile.profile)));
      client.syncedProfiles.add(name);
    }
    client.sink.send(endpointUpdate(stored.id, stored.endpoint));

    const wantedPolicies = new Set(policyIds.map(policyMapKey));
    for (const key of [...client.syncedPolicies]) {
      if (wantedPolicies.has(key)) continue;
      const [tier, ...rest] = key.split('|');
      client.sink.send(policyRemove({ tier, name: rest.join('|') }));
      client.syncedPolicies.delete(key);
    }
    const wantedProfiles = new Set(profileNames);
    for (const name of [...client.syncedProfiles]) {
      if (wantedProfiles.has(name)) continue;
      client.sink.send(profileRemove(name));
      client.syncedProfiles.delete(name);
    }
    this.sendIPSetRemoves(client, stored.endpoint);
  }

  /** IP sets used by the policies and profiles an endpoint references, in first-use order. */
  private referencedIPSets(endpoint: WorkloadEndpoint): string[] {
    const ids = new Set<string>();
    for (const id of referencedPolicies(endpoint)) for (const set of this.policies.get(policyMapKey(id))?.ipSetIds ?? []) ids.add(set);
    for (const name of endpoint.profileIds ?? []) for (const set of this.profiles.get(name)?.ipSetIds ?? []) ids.add(set);
    return [...ids];
  }

  private fullSet(id: string, set: StoredIPSet): ToDataplane[] {
    return (set.full ??= fullIPSetMessages(id, set.type, sortedMembers(set.members)));
  }

  private sendMissingIPSets(client: ClientConnection, ids: string[]): void {
    for (const id of ids) {
      if (client.syncedIPSets.has(id)) continue;
      const set = this.ipSets.get(id);
      if (!set) continue; // a rule naming a set the calc graph never produced: nothing to send
      for (const message of this.fullSet(id, set)) client.sink.send(message);
      client.syncedIPSets.add(id);
    }
  }

  private sendIPSetRemoves(client: ClientConnection, endpoint: WorkloadEndpoint): void {
    const wanted = new Set(this.referencedIPSets(endpoint));
    for (const id of [...client.syncedIPSets]) {
      if (wanted.has(id)) continue;
      client.sink.send({ ipsetRemove: { id } });
      client.syncedIPSets.delete(id);
    }
  }
}

/**
 * The exact ToDataplane sequence a newly connected client for `workloadKey` receives when Felix holds
 * `state`: IP sets, policies, profiles, endpoint, service accounts, namespaces, InSync.
 */
export function joinSequence(state: DataplaneState, workloadKey: string): ToDataplane[] {
  const processor = new PolicySyncProcessor();
  processor.setState(state);
  const out: ToDataplane[] = [];
  processor.join(workloadKey, { send: (m) => out.push(m), end: () => undefined });
  return out;
}
