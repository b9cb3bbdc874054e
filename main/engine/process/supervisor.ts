/**
 * One supervisor per agent, started detached so that the agent outlives the CLI or the app that started it.
 * It runs the agent in a pty, appends its output to a size-capped log, records its pid in the lab's run
 * directory, forwards SIGTERM (then SIGKILL), and records how the agent ended.
 */
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as pty from 'node-pty';

export interface SupervisedJob {
  name: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  logCapBytes: number;
  runFile: string;
  exitFile: string;
  /** Extra facts recorded in the run file (for example whether the agent serves the UI). */
  meta: Record<string, unknown>;
}

export interface RunRecord {
  name: string;
  supervisorPid: number;
  pid: number;
  argv: string[];
  startedAt: number;
  meta: Record<string, unknown>;
}

export interface ExitRecord {
  name: string;
  code: number | null;
  signal: number | null;
  at: number;
}

function main(jobFile: string): void {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as SupervisedJob;
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
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    try {
      process.kill(child.pid, 'SIGCONT');
      process.kill(child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    killTimer ??= setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 8000);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => undefined);
  child.onExit(({ exitCode, signal }) => {
    if (killTimer) clearTimeout(killTimer);
    write(`\r\n[consul-lab] ${job.name} exited (${signal ? `signal ${signal}` : `code ${exitCode}`})\r\n`);
    const exit: ExitRecord = { name: job.name, code: exitCode ?? null, signal: signal || null, at: Date.now() };
    writeFileSync(job.exitFile, JSON.stringify(exit));
    rmSync(job.runFile, { force: true });
    closeSync(fd);
    process.exit(0);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv[2]!);
