/**
 * Server-side cost of a row, read from /proc (Linux; the bench runs as root so it may read any process):
 * CPU = utime + stime deltas of /proc/<pid>/stat over the row; peak RSS = the highest VmRSS sampled every
 * ~100 ms (VmHWM cannot be reset between rows, so it is sampled instead). Several pids (the reference's two JVMs)
 * are summed.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK); /proc/<pid>/stat counts in these ticks. */
const TICKS_PER_SEC = 100;

/** utime + stime of `pid` in ms, or null when the process is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SEC;
  } catch {
    return null;
  }
}

/** VmRSS of `pid` in MB (MiB), or null when the process is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Pids whose /proc/<pid>/comm is exactly `comm` (beam.smp, nats-server, redis-server). */
export function pidsByComm(comm: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() === comm) out.push(Number(name));
    } catch {
      // exited while listing
    }
  }
  return out;
}

export interface Usage {
  cpuMs: number | null;
  peakRssMb: number | null;
}

export interface Sampler {
  stop(): Usage;
}

function sum(values: (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return (values as number[]).reduce((a, b) => a + b, 0);
}

/** Starts sampling `pids` (none: a sampler that reports nulls). */
export function startSampler(pids: readonly number[], intervalMs = 100): Sampler {
  if (pids.length === 0) return { stop: () => ({ cpuMs: null, peakRssMb: null }) };
  const cpu0 = sum(pids.map(cpuMs));
  let peak: number | null = null;
  const sample = (): void => {
    const rss = sum(pids.map(rssMb));
    if (rss !== null && (peak === null || rss > peak)) peak = rss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const cpu1 = sum(pids.map(cpuMs));
      return { cpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null, peakRssMb: peak };
    },
  };
}

/** CPU ms per 1,000 messages; null without a CPU figure or messages. */
export function perThousand(cpu: number | null, messages: number): number | null {
  return cpu === null || messages <= 0 ? null : (cpu * 1000) / messages;
}
