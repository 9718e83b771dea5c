// FelixFromResources: a FelixServer driven by Calico/Kubernetes resources instead of raw snapshots.
// Every change is validated and computed on a copy first; only a fully good result is served, so an
// invalid input is rejected whole and the last good state keeps serving.
import {
  loadResources,
  parseResourcesText,
  CalicoInputError,
  ResourceSet,
  type Compat,
  type DataplaneState,
  type LoadedResource,
  type ResourceRef,
} from '@alpsim/calico';
import { FelixServer, type FelixServerOptions, type WorkloadListener } from './server';
import type { Binder, BinderOptions } from './binder';

export interface FelixFromResourcesOptions extends FelixServerOptions {
  compat?: Compat;
  /** IPv4 pool for pods without status IPs (calico's default 192.168.0.0/16). */
  ipPool?: string;
}

export class FelixFromResources {
  readonly server: FelixServer;
  private resourceSet: ResourceSet;
  private current: DataplaneState;

  constructor(
    private readonly options: FelixFromResourcesOptions = {},
    initial: readonly LoadedResource[] = [],
  ) {
    this.server = new FelixServer(options);
    const set = new ResourceSet({ compat: options.compat, ipPool: options.ipPool });
    set.apply(initial);
    this.current = set.compute();
    this.resourceSet = set;
    this.server.setState(this.current);
  }

  /** Load files/dirs/globs ('-' = stdin) and start serving them. Throws a userError on bad input. */
  static async fromFiles(inputs: string[], options: FelixFromResourcesOptions = {}): Promise<FelixFromResources> {
    const resources = await loadResources(inputs, { compat: options.compat });
    return new FelixFromResources(options, resources);
  }

  get compat(): Compat {
    return this.resourceSet.compat;
  }

  /** The snapshot being served. */
  get state(): DataplaneState {
    return this.current;
  }

  /** The resources being served (do not mutate; use apply/delete). */
  get resources(): readonly LoadedResource[] {
    return this.resourceSet.list();
  }

  /** Create or replace resources; clients receive the incremental updates. */
  apply(resources: readonly LoadedResource[]): DataplaneState {
    return this.change((set) => set.apply(resources));
  }

  /** Parse one file's text and apply it. */
  applyText(text: string, fileName: string): DataplaneState {
    const { resources, issues } = parseResourcesText(text, fileName, { compat: this.compat });
    if (issues.length) throw new CalicoInputError(issues);
    return this.apply(resources);
  }

  /** Make the resources that came from `file` exactly `resources` (what a file watcher does). */
  replaceFile(file: string, resources: readonly LoadedResource[]): DataplaneState {
    return this.change((set) => set.replaceFile(file, resources));
  }

  /** Delete resources by kind/namespace/name; unknown refs reject the whole batch. */
  delete(refs: readonly ResourceRef[]): DataplaneState {
    return this.change((set) => void set.delete(refs));
  }

  listenWorkload(workloadKey: string, socketPath: string): Promise<WorkloadListener> {
    return this.server.listenWorkload(workloadKey, socketPath);
  }

  listenBinder(prefix: string, options?: BinderOptions): Promise<Binder> {
    return this.server.listenBinder(prefix, options);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private change(mutate: (set: ResourceSet) => void): DataplaneState {
    const staged = this.resourceSet.clone();
    mutate(staged);
    const next = staged.compute();
    this.resourceSet = staged;
    this.current = next;
    this.server.setState(next);
    return next;
  }
}
