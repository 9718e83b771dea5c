import * as fs from 'node:fs';

/** Linux USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuTimes {
  userMs: number;
  systemMs: number;
}

export interface ProcessSample {
  cpu: CpuTimes;
  rssBytes: number;
  peakRssBytes: number;
}

function readCpu(pid: number): CpuTimes | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces; everything after the last ')' is space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    const ticksToMs = 1000 / CLOCK_TICKS_PER_SECOND;
    return { userMs: Number(fields[11]) * ticksToMs, systemMs: Number(fields[12]) * ticksToMs };
  } catch {
    return undefined;
  }
}

function readMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/^(\S+):\s+(\d+)\s+kB/m.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[2] ?? 0) * 1024;
    return { rss: kb('VmRSS:'), hwm: kb('VmHWM:') };
  } catch {
    return undefined;
  }
}

/** Direct and indirect children of pid (via /proc/<pid>/task/<tid>/children). */
export function descendants(pid: number): number[] {
  const result: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift() as number;
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const children = fs.readFileSync(`/proc/${current}/task/${tid}/children`, 'utf8').trim();
        for (const child of children.split(/\s+/).filter(Boolean).map(Number)) {
          result.push(child);
          queue.push(child);
        }
      } catch {
        // task exited
      }
    }
  }
  return result;
}

/**
 * CPU time and memory of a process and all its descendants (so a wrapper such as `npx`, `sh -c`
 * or clinic does not hide the real server). RSS figures are summed over the tree.
 */
export function sampleProcessTree(pid: number): ProcessSample {
  const sample: ProcessSample = { cpu: { userMs: 0, systemMs: 0 }, rssBytes: 0, peakRssBytes: 0 };
  for (const p of [pid, ...descendants(pid)]) {
    const cpu = readCpu(p);
    const mem = readMemory(p);
    if (cpu) {
      sample.cpu.userMs += cpu.userMs;
      sample.cpu.systemMs += cpu.systemMs;
    }
    if (mem) {
      sample.rssBytes += mem.rss;
      sample.peakRssBytes += mem.hwm;
    }
  }
  return sample;
}

export function cpuDeltaMs(before: ProcessSample, after: ProcessSample): number {
  return after.cpu.userMs + after.cpu.systemMs - (before.cpu.userMs + before.cpu.systemMs);
}
