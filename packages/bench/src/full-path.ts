import type { BenchProfile } from './profile';
import type { FullPathResult } from './results';
import type { RunOptions } from './runner';
import type { GeneratedStore } from './store-generator';

/** Full path (client → mTLS sidecar with ext_authz → app) versus the same hop without ext_authz. */
export async function measureFullPath(
  _profile: BenchProfile,
  _store: GeneratedStore,
  _runDir: string,
  _index: number,
  _options: RunOptions,
): Promise<FullPathResult> {
  throw Object.assign(new Error('full path benchmarking is not available yet'), { userError: true });
}
