/**
 * Address plan of a scenario: every workload has a scenario (cluster) IP, and, in full mode, its
 * own loopback address (all of 127.0.0.0/8 routes to `lo` on Linux) so that the proxies can see
 * which workload a connection came from and translate it back to the scenario IP.
 */
export interface AddressPlan {
  /** scenario IP -> loopback IP */
  toLoopback: Map<string, string>;
  /** loopback IP -> scenario IP */
  toScenario: Map<string, string>;
}

/** 127.<run>.x.y with x.y counting from 0.1; the run byte keeps parallel runs apart. */
export function allocateLoopbacks(scenarioIps: string[], runByte = 1 + (process.pid % 200)): AddressPlan {
  const toLoopback = new Map<string, string>();
  const toScenario = new Map<string, string>();
  let n = 1;
  for (const ip of scenarioIps) {
    if (toLoopback.has(ip)) continue;
    if (n > 65534) throw new Error('too many workloads for one loopback block (max 65534)');
    const loopback = `127.${runByte}.${n >> 8}.${n & 255}`;
    n++;
    toLoopback.set(ip, loopback);
    toScenario.set(loopback, ip);
  }
  return { toLoopback, toScenario };
}

