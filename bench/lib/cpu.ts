/**
 * Who used the CPU during a run: the worker, the bench process (which hosts the GLPI
 * simulator and the Temporal client), the Temporal server and PostgreSQL, and how busy the
 * whole machine was. On a 2-core machine this tells a CPU-bound run from a waiting one.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc times, 100 on every Linux build we run on. */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  /** CPU seconds per process group, since each process started. */
  groups: Record<string, number>;
  machine: { busy: number; total: number };
}

export interface CpuUsage {
  /** CPU seconds per group during the interval. */
  seconds: Record<string, number>;
  /** Share of the machine's capacity (all cores) that was busy, 0..1. */
  machineBusy: number;
}

function readStat(pid: string): { comm: string; ppid: number; seconds: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may contain spaces: split after its closing one.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14). A child's
  // time moves to its parent's cutime/cstime when the parent reaps it: counting both keeps the
  // work of processes that ended during the run (PostgreSQL's backends and autovacuum workers,
  // reaped by the postmaster), which the processes alive at the end alone would lose.
  const ticks = fields.slice(11, 15).reduce((sum, value) => sum + Number(value), 0);
  return { comm, ppid: Number(fields[1]), seconds: ticks / TICKS_PER_SECOND };
}

function machineTicks(): { busy: number; total: number } {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const values = cpu.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Processes whose name matches `byName` are grouped by it; the others by the tree of `roots` they belong to. */
export function cpuSnapshot(roots: Record<string, number>, byName: Record<string, RegExp>): CpuSnapshot {
  const stats = new Map<number, { comm: string; ppid: number; seconds: number }>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    // Not Linux: nothing to measure.
  }
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) stats.set(Number(pid), stat);
  }
  const rootOf = (pid: number): string | undefined => {
    for (let current = pid, hops = 0; current > 1 && hops < 50; hops++) {
      const root = Object.entries(roots).find(([, rootPid]) => rootPid === current);
      if (root) return root[0];
      current = stats.get(current)?.ppid ?? 0;
    }
    return undefined;
  };
  const groups: Record<string, number> = {};
  for (const [pid, stat] of stats) {
    // Names first: the Temporal dev server is a child of the bench process but counts apart.
    const group = Object.entries(byName).find(([, pattern]) => pattern.test(stat.comm))?.[0] ?? rootOf(pid);
    if (group) groups[group] = (groups[group] ?? 0) + stat.seconds;
  }
  return { groups, machine: machineTicks() };
}

export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const seconds: Record<string, number> = {};
  for (const [group, value] of Object.entries(after.groups)) {
    seconds[group] = Math.round((value - (before.groups[group] ?? 0)) * 10) / 10;
  }
  const total = after.machine.total - before.machine.total;
  const machineBusy = total > 0 ? (after.machine.busy - before.machine.busy) / total : 0;
  return { seconds, machineBusy: Math.round(machineBusy * 100) / 100 };
}
