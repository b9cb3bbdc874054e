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
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Every live process with an argument that mentions one of `needles`, found by scanning all processes. */
export function findProcesses(needles: string[]): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  const pids =
    process.platform === 'linux'
      ? readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
      : execFileSync('ps', ['-A', '-o', 'pid='], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter(Boolean);
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const argv = cmdline(pid);
    if (argv.some((a) => needles.some((n) => a.includes(n))) && procState(pid) !== 'gone') found.push({ pid, argv });
  }
  return found;
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
