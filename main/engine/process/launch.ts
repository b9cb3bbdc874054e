/**
 * Starting agents (and other long-lived jobs) under detached supervisors, which may be started ahead of their
 * jobs. Kept light, so that the CLI can start supervisors before it loads the rest of the engine.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { LabDir } from '../lab/labdir.js';
import { writeAtomic } from '../atomic-file.js';
import { CANCELLED, type SupervisedJob } from './job.js';
import { nodeEntry } from './node-entry.js';
import { procState, sleep, terminate, waitGone } from './procs.js';

export const LOG_CAP_BYTES = 1024 * 1024;

interface Armed {
  pid: number;
  exited: () => boolean;
}

/**
 * Supervisors started ahead of their jobs, by job (one supervisor may wait for several jobs), each with the job
 * file it waits for. Job files are unique to one arming, so two processes bringing the same lab up never hand
 * each other's supervisors a job.
 */
const armed = new Map<string, { jobFile: string; supervisor: Armed }>();

const jobKey = (dir: LabDir, kind: string, name: string) => join(dir.runDir, `${kind}-${name}`);

/**
 * Starts one supervisor for the named jobs before the jobs are known, so that its Node start-up overlaps other
 * work (checks, an election); `supervise` hands it each job. Jobs it gets no word of are given up by itself.
 */
export function armSupervisor(dir: LabDir, kind: string, names: string[]): void {
  const keys = names.map((n) => jobKey(dir, kind, n)).filter((k) => !armed.has(k));
  if (!keys.length) return;
  mkdirSync(dir.runDir, { recursive: true });
  const nonce = randomBytes(4).toString('hex');
  const jobFiles = keys.map((k) => `${k}.${nonce}.job`);
  const entry = nodeEntry(new URL('./supervisor', import.meta.url), jobFiles);
  const child = spawn(entry.file, entry.args, { detached: true, stdio: 'ignore', env: { ...process.env, ...entry.env, ...dir.env() } });
  child.unref();
  const supervisor: Armed = {
    pid: child.pid!,
    exited: () => child.exitCode !== null || child.signalCode !== null || procState(child.pid!) === 'gone',
  };
  keys.forEach((k, i) => {
    armed.set(k, { jobFile: jobFiles[i]!, supervisor });
  });
}

/** Calls off the armed jobs of this lab that were not handed over, and waits for supervisors left with nothing to do. */
export async function disarmSupervisors(dir: LabDir): Promise<void> {
  const idle = new Set<Armed>();
  const busy = new Set<Armed>();
  for (const [key, { jobFile, supervisor }] of armed) {
    if (!key.startsWith(dir.runDir + sep)) continue;
    armed.delete(key);
    if (existsSync(jobFile)) {
      busy.add(supervisor);
      continue;
    }
    try {
      writeAtomic(jobFile, CANCELLED);
    } catch {
      /* the run directory is gone (a failed first up cleared it): the supervisor is stopped below */
    }
    idle.add(supervisor);
  }
  for (const a of idle) if (!busy.has(a) && !(await waitGone(a.pid, 3000))) await terminate(a.pid, 2000);
}

/** Runs a command under a detached supervisor (armed earlier, or now); resolves once the pty child is spawned. */
export async function supervise(
  dir: LabDir,
  kind: string,
  job: Omit<SupervisedJob, 'runFile' | 'exitFile' | 'logCapBytes'>,
): Promise<void> {
  const full: SupervisedJob = {
    ...job,
    logCapBytes: LOG_CAP_BYTES,
    runFile: dir.runFile(kind, job.name),
    exitFile: dir.exitFile(kind, job.name),
  };
  const key = jobKey(dir, kind, job.name);
  if (armed.get(key)?.supervisor.exited()) armed.delete(key);
  armSupervisor(dir, kind, [job.name]);
  const { jobFile, supervisor } = armed.get(key)!;
  rmSync(full.exitFile, { force: true });
  writeAtomic(jobFile, JSON.stringify(full));
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (dir.readRun(kind, job.name) || dir.readExit(kind, job.name)) return; // an early exit: the caller reads why
      if (supervisor.exited()) throw new Error(`the supervisor for ${job.name} exited before starting it`);
      await sleep(5);
    }
    throw new Error(`the supervisor for ${job.name} did not start it within 15 s`);
  } finally {
    armed.delete(key);
  }
}
