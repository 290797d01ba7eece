// Processes by /proc: a pid is only "ours" while its start time matches the one recorded when it
// was started (pids are reused), and a container's whole process tree can be signalled.

import { readFileSync, readdirSync } from 'node:fs';

interface Stat {
  ppid: number;
  pgid: number;
  startTime: number;
  state: string;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** The process start time in clock ticks since boot, or undefined when the pid does not exist. */
export function processStartTime(pid: number): number | undefined {
  return stat(pid)?.startTime;
}

/** True when pid is alive (not a zombie) and is the process that started at `startTime`. */
export function isSameProcess(pid: number, startTime: number | undefined): boolean {
  const s = stat(pid);
  return !!s && s.state !== 'Z' && (startTime === undefined || s.startTime === startTime);
}

/** pid and all its descendants, parents first. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(name));
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Signals every process group found in the tree under `pid` (a tty session makes its own group). */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  const groups = new Set<number>();
  for (const p of processTree(pid)) {
    const s = stat(p);
    if (s) groups.add(s.pgid);
  }
  for (const g of groups) {
    try { process.kill(-g, signal); } catch { /* gone already */ }
  }
  try { process.kill(pid, signal); } catch { /* gone already */ }
}
