/** Process facts read from /proc (Linux) or ps (elsewhere), and signalling that verifies its effect. */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export type ProcState = 'running' | 'stopped' | 'gone';

export function procState(pid: number): ProcState {
  if (!Number.isInteger(pid) || pid <= 0) return 'gone';
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return 'gone';
      return state === 'T' || state === 't' ? 'stopped' : 'running';
    } catch {
      return 'gone';
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    if (!out || out.startsWith('Z')) return 'gone';
    return out.startsWith('T') ? 'stopped' : 'running';
  } catch {
    return 'gone';
  }
}

export function cmdline(pid: number): string[] {
  if (process.platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      return [];
    }
  }
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
  } catch {
    return [];
  }
}

/**
 * When the process started, as the kernel counts it: with the pid, a process's identity (a pid alone may be
 * reused by another process after the first one ends). Null when there is no such process.
 */
export function startTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
    } catch {
      return null;
    }
  }
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** The process recorded as `pid` started at `started` is still alive (not a later process given the same pid). */
export function sameProcess(pid: number, started: string | null | undefined): boolean {
  return typeof started === 'string' && procState(pid) !== 'gone' && startTime(pid) === started;
}

function environ(pid: number): string[] {
  if (process.platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      return [];
    }
  }
  try {
    return execFileSync('ps', ['-E', '-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
  } catch {
    return [];
  }
}

/** Every live process whose environment holds `name=value` exactly: the processes one lab started, and only those. */
export function processesWithEnv(name: string, value: string): { pid: number; argv: string[] }[] {
  const entry = `${name}=${value}`;
  const pids =
    process.platform === 'linux'
      ? readdirSync('/proc')
          .filter((d) => /^\d+$/.test(d))
          .map(Number)
      : execFileSync('ps', ['-A', '-o', 'pid='], { encoding: 'utf8' })
          .split('\n')
          .map((s) => Number(s.trim()))
          .filter(Boolean);
  return pids
    .filter((pid) => pid !== process.pid && environ(pid).includes(entry) && procState(pid) !== 'gone')
    .map((pid) => ({ pid, argv: cmdline(pid) }));
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (procState(pid) === 'gone') return true;
    await sleep(50);
  }
  return procState(pid) === 'gone';
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. A stopped process is continued first. */
export async function terminate(pid: number, graceMs = 8000): Promise<void> {
  if (procState(pid) === 'gone') return;
  if (procState(pid) === 'stopped') signal(pid, 'SIGCONT');
  signal(pid, 'SIGTERM');
  if (await waitGone(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitGone(pid, 5000))) throw new Error(`process ${pid} did not exit after SIGKILL`);
}
