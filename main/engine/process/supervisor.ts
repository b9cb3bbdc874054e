/**
 * A supervisor, started detached so that the agents outlive the CLI or the app that started them. It runs each
 * of its jobs (one or more agents) in a pty, appends each one's output to a size-capped log, records its pid in
 * the lab's run directory, forwards SIGTERM (then SIGKILL), records how each ended, and exits when none is left.
 */
import { existsSync, readFileSync, rmSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as pty from 'node-pty';
import { writeAtomic } from '../atomic-file.js';
import { CappedLog } from './capped-log.js';
import { ARMED_WAIT_MS, CANCELLED, type ExitRecord, type RunRecord, type SupervisedJob } from './job.js';
import { startTime } from './procs.js';

const children = new Map<string, pty.IPty>();
/** Jobs waited for, each with the way to stop waiting. */
const pending = new Map<string, () => void>();

function exitWhenIdle(): void {
  if (children.size === 0 && pending.size === 0) process.exit(0);
}

/**
 * Waits for a job file (an armed supervisor is started before its jobs are written, so that its start-up
 * overlaps other work) and runs the job the moment the file appears, or drops it if it is called off.
 */
function whenJobExists(jobFile: string): void {
  const stopWaiting = () => {
    watcher.close();
    clearInterval(poll);
    clearTimeout(giveUp);
    pending.delete(jobFile);
  };
  const check = () => {
    if (!pending.has(jobFile) || !existsSync(jobFile)) return;
    let job: SupervisedJob | null = null;
    try {
      const text = readFileSync(jobFile, 'utf8');
      job = text === CANCELLED ? null : (JSON.parse(text) as SupervisedJob);
    } catch {
      return; // job files are renamed into place whole; anything else is not a job: keep waiting
    }
    stopWaiting();
    rmSync(jobFile, { force: true });
    if (job) runJob(job);
    exitWhenIdle();
  };
  const watcher = watch(dirname(jobFile), check);
  watcher.on('error', () => undefined);
  const poll = setInterval(check, 100);
  const giveUp = setTimeout(() => {
    stopWaiting();
    exitWhenIdle();
  }, ARMED_WAIT_MS);
  pending.set(jobFile, stopWaiting);
  check();
}

function runJob(job: SupervisedJob): void {
  const log = new CappedLog(job.logFile, job.logCapBytes);
  const write = (data: string) => log.write(data);
  write(`\r\n$ ${[job.file, ...job.args].join(' ')}\r\n`);
  const child = pty.spawn(job.file, job.args, {
    name: 'xterm-256color',
    cols: 160,
    rows: 40,
    cwd: job.cwd,
    env: { ...process.env, ...job.env } as Record<string, string>,
  });
  const record: RunRecord = {
    name: job.name,
    supervisorPid: process.pid,
    supervisorStartTime: startTime(process.pid),
    pid: child.pid,
    startTime: startTime(child.pid),
    argv: [job.file, ...job.args],
    startedAt: Date.now(),
    meta: job.meta,
  };
  rmSync(job.exitFile, { force: true });
  writeAtomic(job.runFile, JSON.stringify(record, null, 2));
  child.onData(write);
  children.set(job.name, child);
  child.onExit(({ exitCode, signal }) => {
    write(`\r\n[consul-lab] ${job.name} exited (${signal ? `signal ${signal}` : `code ${exitCode}`})\r\n`);
    const exit: ExitRecord = { name: job.name, code: exitCode ?? null, signal: signal || null, at: Date.now() };
    writeAtomic(job.exitFile, JSON.stringify(exit));
    rmSync(job.runFile, { force: true });
    log.close();
    children.delete(job.name);
    exitWhenIdle();
  });
}

/** SIGTERM (continuing a paused child first), then SIGKILL for any child that lingers. */
function stopAll(): void {
  for (const child of children.values()) {
    try {
      process.kill(child.pid, 'SIGCONT');
      process.kill(child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  setTimeout(() => {
    for (const child of children.values()) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }, 8000).unref();
  for (const stopWaiting of [...pending.values()]) stopWaiting();
  exitWhenIdle();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.on('SIGTERM', stopAll);
  process.on('SIGINT', stopAll);
  process.on('SIGHUP', () => undefined);
  for (const jobFile of process.argv.slice(2)) whenJobExists(jobFile);
}
