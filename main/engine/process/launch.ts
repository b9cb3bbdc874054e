/**
 * Starting agents (and other long-lived jobs) under detached supervisors, which may be started ahead of their
 * jobs. Kept light, so that the CLI can start supervisors before it loads the rest of the engine.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { LabDir } from '../lab/labdir.js';
import { CANCELLED, type SupervisedJob } from './job.js';
import { nodeEntry } from './node-entry.js';
import { procState, sleep, terminate, waitGone } from './procs.js';

export const LOG_CAP_BYTES = 1024 * 1024;

interface Armed {
  pid: number;
  exited: () => boolean;
}

/** Supervisors started ahead of their jobs, by job file (one supervisor may wait for several jobs). */
const armed = new Map<string, Armed>();

function jobFileOf(dir: LabDir, kind: string, name: string): string {
  return join(dir.runDir, `${kind}-${name}.job`);
}

/**
 * Starts one supervisor for the named jobs before the jobs are known, so that its Node start-up overlaps other
 * work (checks, an election); `supervise` hands it each job. Jobs it gets no word of are given up by itself.
 */
export function armSupervisor(dir: LabDir, kind: string, names: string[]): void {
  const jobFiles = names.map((n) => jobFileOf(dir, kind, n)).filter((f) => !armed.has(f));
  if (!jobFiles.length) return;
  mkdirSync(dir.runDir, { recursive: true });
  for (const f of jobFiles) rmSync(f, { force: true });
  const entry = nodeEntry(new URL('./supervisor', import.meta.url), jobFiles);
  const child = spawn(entry.file, entry.args, { detached: true, stdio: 'ignore', env: { ...process.env, ...entry.env } });
  child.unref();
  const a: Armed = { pid: child.pid!, exited: () => child.exitCode !== null || child.signalCode !== null || procState(child.pid!) === 'gone' };
  for (const f of jobFiles) armed.set(f, a);
}

/** Calls off the armed jobs of this lab that were not handed over, and waits for supervisors left with nothing to do. */
export async function disarmSupervisors(dir: LabDir): Promise<void> {
  const idle = new Set<Armed>();
  const busy = new Set<Armed>();
  for (const [jobFile, a] of armed) {
    if (!jobFile.startsWith(dir.runDir + sep)) continue;
    armed.delete(jobFile);
    if (existsSync(jobFile)) {
      busy.add(a);
      continue;
    }
    writeFileSync(jobFile, CANCELLED);
    idle.add(a);
  }
  for (const a of idle) if (!busy.has(a) && !(await waitGone(a.pid, 3000))) await terminate(a.pid, 2000);
}

/** Runs a command under a detached supervisor (armed earlier, or now); resolves once the pty child is spawned. */
export async function supervise(dir: LabDir, kind: string, job: Omit<SupervisedJob, 'runFile' | 'exitFile' | 'logCapBytes'>): Promise<void> {
  const full: SupervisedJob = {
    ...job,
    logCapBytes: LOG_CAP_BYTES,
    runFile: dir.runFile(kind, job.name),
    exitFile: dir.exitFile(kind, job.name),
  };
  const jobFile = jobFileOf(dir, kind, job.name);
  if (armed.get(jobFile)?.exited()) armed.delete(jobFile);
  armSupervisor(dir, kind, [job.name]);
  const supervisor = armed.get(jobFile)!;
  // Written whole, then renamed: the supervisor never reads a half-written job.
  writeFileSync(`${jobFile}.tmp`, JSON.stringify(full));
  renameSync(`${jobFile}.tmp`, jobFile);
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (dir.readRun(kind, job.name) || dir.readExit(kind, job.name)) return; // an early exit: the caller reads why
      if (supervisor.exited()) throw new Error(`the supervisor for ${job.name} exited before starting it`);
      await sleep(5);
    }
    throw new Error(`the supervisor for ${job.name} did not start it within 15 s`);
  } finally {
    armed.delete(jobFile);
  }
}

