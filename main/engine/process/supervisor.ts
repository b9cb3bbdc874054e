/**
 * A supervisor, started detached so that the agents outlive the CLI or the app that started them. It runs each
 * of its jobs (one or more agents) in a pty, appends each one's output to a size-capped log, records its pid in
 * the lab's run directory, forwards SIGTERM (then SIGKILL), records how each ended, and exits when none is left.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, watch, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as pty from 'node-pty';
import { ARMED_WAIT_MS, CANCELLED, type ExitRecord, type RunRecord, type SupervisedJob } from './job.js';

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
    const text = readFileSync(jobFile, 'utf8');
    stopWaiting();
    if (text !== CANCELLED) runJob(JSON.parse(text) as SupervisedJob);
    exitWhenIdle();
  };
  const watcher = watch(dirname(jobFile), check);
  const poll = setInterval(check, 100);
  const giveUp = setTimeout(() => {
    stopWaiting();
    exitWhenIdle();
  }, ARMED_WAIT_MS);
  pending.set(jobFile, stopWaiting);
  check();
}

function runJob(job: SupervisedJob): void {
  let fd = openSync(job.logFile, 'a');
  let size = 0;
  const write = (data: string) => {
    const buf = Buffer.from(data);
    if (size + buf.length > job.logCapBytes) {
      closeSync(fd);
      renameSync(job.logFile, `${job.logFile}.1`);
      fd = openSync(job.logFile, 'a');
      size = 0;
    }
    writeSync(fd, buf);
    size += buf.length;
  };
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
    pid: child.pid,
    argv: [job.file, ...job.args],
    startedAt: Date.now(),
    meta: job.meta,
  };
  rmSync(job.exitFile, { force: true });
  writeFileSync(job.runFile, JSON.stringify(record, null, 2));
  child.onData(write);
  children.set(job.name, child);
  child.onExit(({ exitCode, signal }) => {
    write(`\r\n[consul-lab] ${job.name} exited (${signal ? `signal ${signal}` : `code ${exitCode}`})\r\n`);
    const exit: ExitRecord = { name: job.name, code: exitCode ?? null, signal: signal || null, at: Date.now() };
    writeFileSync(job.exitFile, JSON.stringify(exit));
    rmSync(job.runFile, { force: true });
    closeSync(fd);
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
