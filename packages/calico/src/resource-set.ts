// A mutable, validated set of resources (the "cluster datastore") for felix and the scenario runner.
import { CalicoInputError, formatFieldPath, type LocatedIssue } from './errors';
import { computeDataplane } from './dataplane';
import { describeResource, kindInfo } from './kinds';
import { parseResourcesText, resourceKey, wasValidated } from './loader';
import { validateResource } from './validate';
import { DEFAULT_COMPAT, type Compat, type DataplaneState, type LoadedResource, type ResourceRef } from './types';
import { IPAllocator } from './workloads';

export interface ResourceSetOptions {
  compat?: Compat;
  /** IPv4 pool for pods without status IPs (default 192.168.0.0/16, Calico's default pool). */
  ipPool?: string;
}

function locationOf(r: LoadedResource): { file: string; line: number; col: number } {
  return r.source ?? { file: '<api>', line: 1, col: 1 };
}

export class ResourceSet {
  readonly compat: Compat;
  private readonly items = new Map<string, LoadedResource>();
  private allocator: IPAllocator;

  constructor(opts: ResourceSetOptions = {}, initial: readonly LoadedResource[] = []) {
    this.compat = opts.compat ?? DEFAULT_COMPAT;
    this.allocator = new IPAllocator(opts.ipPool);
    if (initial.length) this.apply(initial);
  }

  get size(): number {
    return this.items.size;
  }

  /** Resources in application order. */
  list(kind?: LoadedResource['kind']): LoadedResource[] {
    const all = [...this.items.values()];
    return kind ? all.filter((r) => r.kind === kind) : all;
  }

  get(ref: ResourceRef): LoadedResource | undefined {
    return this.items.get(resourceKey(normaliseRef(ref)));
  }

  /**
   * Creates or replaces resources. Every resource is re-validated and cross-checked against the
   * resulting set; any problem rejects the whole batch (nothing applied) with a userError.
   */
  apply(resources: readonly LoadedResource[]): void {
    const issues: LocatedIssue[] = [];
    const seen = new Map<string, LoadedResource>();
    for (const r of resources) {
      if (wasValidated(r.object, this.compat) && r.name && r.kind) {
        const k = resourceKey(r);
        if (seen.has(k)) issues.push({ ...locationOf(r), resource: describeResource(r.kind, r.namespace, r.name), field: 'metadata.name', message: 'duplicate resource in the same batch' });
        seen.set(k, r);
        continue;
      }
      const v = validateResource(r.object, this.compat);
      const loc = locationOf(r);
      for (const i of v.issues) issues.push({ ...loc, resource: v.label, field: formatFieldPath(i.path), message: i.message });
      if (v.resource) {
        const k = resourceKey(v.resource);
        if (seen.has(k)) {
          issues.push({ ...loc, resource: v.label, field: 'metadata.name', message: 'duplicate resource in the same batch' });
        }
        seen.set(k, { ...v.resource, source: r.source });
      }
    }
    if (issues.length) throw new CalicoInputError(issues);
    const next = new Map(this.items);
    for (const [k, r] of seen) {
      next.delete(k); // re-insert at the end: later applies win in ordering-sensitive places (IP allocation)
      next.set(k, r);
    }
    this.crossCheck(next, [...seen.values()]);
    this.items.clear();
    for (const [k, r] of next) this.items.set(k, r);
  }

  /** Parses text (one file) and applies it as one batch. */
  applyText(text: string, fileName: string): LoadedResource[] {
    const { resources, issues } = parseResourcesText(text, fileName, { compat: this.compat });
    if (issues.length) throw new CalicoInputError(issues);
    this.apply(resources);
    return resources;
  }

  /**
   * Makes the resources that came from `file` exactly `resources` (applies new/changed ones,
   * deletes those no longer there) — what a watcher does when a file is edited. Atomic.
   */
  replaceFile(file: string, resources: readonly LoadedResource[]): void {
    const staged = this.clone();
    const keep = new Set(resources.map((r) => resourceKey(r)));
    for (const [k, r] of staged.items) if (r.source?.file === file && !keep.has(k)) staged.items.delete(k);
    staged.apply(resources);
    this.items.clear();
    for (const [k, r] of staged.items) this.items.set(k, r);
    this.allocator = staged.allocator;
  }

  /** Deletes resources; unknown refs reject the whole batch. Returns the deleted resources. */
  delete(refs: readonly ResourceRef[]): LoadedResource[] {
    const keys = refs.map((ref) => resourceKey(normaliseRef(ref)));
    const missing = refs.filter((_, i) => !this.items.has(keys[i]));
    if (missing.length) {
      throw new CalicoInputError(
        missing.map((m) => ({ file: '<api>', line: 1, col: 1, resource: describeResource(m.kind, m.namespace ?? '', m.name), field: '', message: 'not found' })),
        missing.map((m) => `${describeResource(m.kind, normaliseRef(m).namespace ?? '', m.name)}: not found`).join('\n'),
      );
    }
    const next = new Map(this.items);
    const deleted = keys.map((k) => next.get(k)!);
    keys.forEach((k) => next.delete(k));
    this.crossCheck(next, []);
    this.items.clear();
    for (const [k, r] of next) this.items.set(k, r);
    return deleted;
  }

  clone(): ResourceSet {
    const c = new ResourceSet({ compat: this.compat });
    for (const [k, r] of this.items) c.items.set(k, r);
    c.allocator = this.allocator.clone();
    return c;
  }

  /** The dataplane Felix would compute now (pod IPs stay sticky across calls). */
  compute(): DataplaneState {
    return computeDataplane(this.list(), { compat: this.compat, allocator: this.allocator });
  }

  /** Cross-resource rules: policies must name an existing tier (compat 3.29). */
  private crossCheck(next: Map<string, LoadedResource>, changed: LoadedResource[]): void {
    if (this.compat !== '3.29') return;
    const tiers = new Set(['default', 'kube-admin', 'kube-baseline']);
    for (const r of next.values()) if (r.kind === 'Tier') tiers.add(r.name);
    const issues: LocatedIssue[] = [];
    for (const r of next.values()) {
      if (r.kind !== 'NetworkPolicy' && r.kind !== 'GlobalNetworkPolicy') continue;
      const tier = r.object.spec?.tier || 'default';
      if (!tiers.has(tier)) {
        const why = changed.includes(r) ? '' : ' (its Tier was deleted)';
        issues.push({ ...locationOf(r), resource: describeResource(r.kind, r.namespace, r.name), field: 'spec.tier', message: `tier "${tier}" does not exist${why}` });
      }
    }
    if (issues.length) throw new CalicoInputError(issues);
  }
}

function normaliseRef(ref: ResourceRef): ResourceRef {
  const info = kindInfo(ref.kind);
  return { kind: ref.kind, name: ref.name, namespace: info.namespaced ? ref.namespace || 'default' : '' };
}
