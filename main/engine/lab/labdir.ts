/** The lab directory: spec, per-node data, config and logs, the run records of live processes, and a lock. */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LabSpec } from '../../common/types.js';
import { findProcesses, procState } from '../process/procs.js';
import type { ExitRecord, RunRecord } from '../process/job.js';

export class LabDir {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  get specFile() {
    return join(this.root, 'lab.json');
  }
  get runDir() {
    return join(this.root, 'run');
  }
  nodeDir(name: string) {
    return join(this.root, 'nodes', name);
  }
  dataDir(name: string) {
    return join(this.nodeDir(name), 'data');
  }
  configDir(name: string) {
    return join(this.nodeDir(name), 'config');
  }
  logFile(name: string) {
    return join(this.nodeDir(name), 'agent.log');
  }
  runFile(kind: string, name: string) {
    return join(this.runDir, `${kind}-${name}.json`);
  }
  exitFile(kind: string, name: string) {
    return join(this.runDir, `${kind}-${name}.exit.json`);
  }

  /** Every live process of the lab (agents, supervisors, greeters), found by the lab paths in its arguments. */
  processes(): { pid: number; argv: string[] }[] {
    return findProcesses([join(this.root, 'nodes') + '/', this.runDir + '/']);
  }

  exists(): boolean {
    return existsSync(this.specFile);
  }

  readSpec(): LabSpec | null {
    return existsSync(this.specFile) ? (JSON.parse(readFileSync(this.specFile, 'utf8')) as LabSpec) : null;
  }

  writeSpec(spec: LabSpec): void {
    mkdirSync(this.runDir, { recursive: true });
    writeFileSync(this.specFile, JSON.stringify(spec, null, 2));
  }

  readRun(kind: string, name: string): RunRecord | null {
    try {
      return JSON.parse(readFileSync(this.runFile(kind, name), 'utf8')) as RunRecord;
    } catch {
      return null;
    }
  }

  readExit(kind: string, name: string): ExitRecord | null {
    try {
      return JSON.parse(readFileSync(this.exitFile(kind, name), 'utf8')) as ExitRecord;
    } catch {
      return null;
    }
  }

  /** Run records of one kind whose process is still alive; stale records (dead pid) are removed. */
  liveRuns(kind: string): RunRecord[] {
    if (!existsSync(this.runDir)) return [];
    const live: RunRecord[] = [];
    for (const f of readdirSync(this.runDir)) {
      if (!f.startsWith(`${kind}-`) || !f.endsWith('.json') || f.endsWith('.exit.json')) continue;
      const path = join(this.runDir, f);
      try {
        const rec = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
        if (procState(rec.pid) !== 'gone') live.push(rec);
        else rmSync(path, { force: true });
      } catch {
        /* half-written record: its supervisor is still starting */
      }
    }
    return live;
  }

  /**
   * An exclusive lock for operations that change the lab. A lock left by a process that died (a CLI killed
   * mid-way) is taken over.
   */
  lock(op: string): () => void {
    mkdirSync(this.root, { recursive: true });
    const file = join(this.root, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, JSON.stringify({ pid: process.pid, op, at: Date.now() }));
        closeSync(fd);
        return () => rmSync(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let holder: { pid: number; op: string } | null = null;
        try {
          holder = JSON.parse(readFileSync(file, 'utf8'));
        } catch {
          /* empty or torn: treat as stale */
        }
        if (holder && holder.pid !== process.pid && procState(holder.pid) !== 'gone') {
          throw new Error(`the lab at ${this.root} is busy: process ${holder.pid} is running "${holder.op}"; wait for it or stop it`);
        }
        rmSync(file, { force: true });
      }
    }
    throw new Error(`cannot lock the lab at ${this.root}`);
  }
}
