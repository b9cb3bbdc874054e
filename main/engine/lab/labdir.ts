/**
 * The lab directory: its marker (lab.json), per-node data, config and logs, the run records of live processes,
 * and a lock. Only what this module lists as the lab's own entries is ever deleted, and only in a folder that
 * holds a marker; only processes the lab recorded (pid and start time) or started (its id in their environment)
 * are ever signalled.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { InputError } from '../../common/names.js';
import type { LabSpec } from '../../common/types.js';
import { processesWithEnv, procState, sameProcess } from '../process/procs.js';
import type { ExitRecord, RunRecord } from '../process/job.js';
import { createAtomic, writeAtomic } from '../atomic-file.js';
import { LAB_ID_ENV, newMarker, readMarker, type LabState, type Marker } from './marker.js';

/** Everything a lab (or Vagrant, for it) makes at the top of its folder; nothing else there is ever deleted. */
const OWN_ENTRIES = new Set(['lab.json', 'lock', 'run', 'nodes', 'bin', 'vm', 'Vagrantfile', '.vagrant']);
const OWN_TEMP = /^(lab\.json|lock)\.\d+\.[0-9a-f]{6}\.tmp$/;

function isOwnEntry(name: string): boolean {
  return OWN_ENTRIES.has(name) || OWN_TEMP.test(name);
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function parse<T>(text: string | null): T | null {
  try {
    return text === null ? null : (JSON.parse(text) as T);
  } catch {
    return null;
  }
}

const readJson = <T>(file: string): T | null => parse<T>(readText(file));

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

  // ---- the marker ------------------------------------------------------------------------------------

  marker(): Marker | null {
    return readMarker(this.specFile);
  }

  /** A folder with Consul Lab's marker. */
  isLab(): boolean {
    return this.marker() !== null;
  }

  /** Brought up at least once: its settings are fixed until destroy. */
  created(): boolean {
    return this.marker()?.state === 'created';
  }

  /** The lab's id, which its processes carry in their environment; throws where there is no lab. */
  id(): string {
    const m = this.marker();
    if (!m) throw new InputError(this.noLab());
    return m.consulLab.id;
  }

  /** The environment every process of the lab is started with. */
  env(): Record<string, string> {
    return { [LAB_ID_ENV]: this.id() };
  }

  noLab(): string {
    return `there is no lab at ${this.root} (no lab.json made by Consul Lab): run up first, or pass the right --lab`;
  }

  /**
   * Makes the folder a lab (for up and configure): creates it with its marker, or takes it as it is when it
   * already has one. A folder that exists with other contents and no marker is refused, naming them.
   */
  claim(spec: LabSpec, state: LabState): Marker {
    const have = this.marker();
    if (have) return have;
    const madeFolder = !existsSync(this.root);
    if (!madeFolder) {
      this.refuseDangerous('use');
      const foreign = readdirSync(this.root);
      if (foreign.length) {
        throw new InputError(
          `${this.root} is not empty and is not a lab (${this.list(foreign)}): ` +
            'Consul Lab only makes a lab in a new or empty folder; choose another --lab',
        );
      }
    }
    mkdirSync(this.root, { recursive: true });
    createAtomic(this.specFile, JSON.stringify(newMarker(spec, state, madeFolder), null, 2));
    return this.marker()!;
  }

  /** Records the lab's state and spec in its marker (the id and folder facts are kept). */
  mark(state: LabState, spec: LabSpec): void {
    const m = this.marker();
    if (!m) throw new InputError(this.noLab());
    writeAtomic(this.specFile, JSON.stringify({ ...m, state, spec } satisfies Marker, null, 2));
  }

  // ---- what is never touched ---------------------------------------------------------------------------

  /** `/`, the home folder and any folder above it are never a lab, whatever they hold. */
  refuseDangerous(verb: string): void {
    const home = resolve(homedir());
    const rel = relative(this.root, home);
    if (this.root === dirname(this.root) || rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'))) {
      const what = this.root === dirname(this.root) ? 'the root folder' : rel === '' ? 'your home folder' : 'above your home folder';
      throw new InputError(`refusing to ${verb} ${this.root}: it is ${what}, never a lab; pass the lab's own folder with --lab`);
    }
  }

  /** Why this folder cannot be destroyed, before anything is stopped or deleted; null when it can. */
  destroyRefusal(): string | null {
    this.refuseDangerous('destroy');
    if (!this.isLab()) return `${this.root} is not a lab (no lab.json made by Consul Lab): not deleting anything in it`;
    const foreign = readdirSync(this.root).filter((e) => !isOwnEntry(e));
    if (foreign.length) {
      return (
        `${this.root} holds files Consul Lab did not make (${this.list(foreign)}): ` +
        'not deleting anything; move them out, then destroy again'
      );
    }
    return null;
  }

  /** Deletes the lab's own entries, and the folder itself if the lab made it and nothing else is left in it. */
  removeOwnEntries(): void {
    const refusal = this.destroyRefusal();
    if (refusal) throw new InputError(refusal);
    const madeFolder = this.marker()!.consulLab.madeFolder;
    for (const e of readdirSync(this.root))
      if (isOwnEntry(e) && e !== 'lab.json') rmSync(join(this.root, e), { recursive: true, force: true });
    // The marker goes last: a destroy cut short is still a lab, and the next destroy finishes it.
    rmSync(this.specFile, { force: true });
    if (madeFolder && readdirSync(this.root).length === 0) rmdirSync(this.root);
  }

  /**
   * After a first up that failed: the folder goes back to what it was (gone, or empty), unless something of the
   * lab lives on (a process, or another command holding the lock).
   */
  dropIfUnborn(): void {
    try {
      if (this.marker()?.state !== 'new' || this.lockHolder() || this.processes().length || this.destroyRefusal()) return;
      this.removeOwnEntries();
    } catch {
      /* not a lab after all: nothing of ours to remove */
    }
  }

  private list(entries: string[]): string {
    return entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, and ${entries.length - 5} more` : '');
  }

  // ---- processes ---------------------------------------------------------------------------------------

  /**
   * Every live process the lab started and runs (agents, supervisors, greeters), found by the lab's id in its
   * environment. The lab's own vagrant commands carry the id too, but they are not among them: each ends by
   * itself, and one stopped half-way could leave a machine half made.
   */
  processes(): { pid: number; argv: string[] }[] {
    const m = this.isLab() ? this.marker() : null;
    const all = m ? processesWithEnv(LAB_ID_ENV, m.consulLab.id) : [];
    return all.filter((p) => !p.argv.some((a) => /(^|\/)vagrant$/.test(a)));
  }

  readRun(kind: string, name: string): RunRecord | null {
    return readJson<RunRecord>(this.runFile(kind, name));
  }

  /** The run record, only while its process is the one recorded (same pid, same start time). */
  liveRun(kind: string, name: string): RunRecord | null {
    const rec = this.readRun(kind, name);
    return rec && sameProcess(rec.pid, rec.startTime) ? rec : null;
  }

  readExit(kind: string, name: string): ExitRecord | null {
    return readJson<ExitRecord>(this.exitFile(kind, name));
  }

  /** Run records of one kind whose process is still the one recorded; stale records are removed. */
  liveRuns(kind: string): RunRecord[] {
    if (!existsSync(this.runDir)) return [];
    const live: RunRecord[] = [];
    for (const f of readdirSync(this.runDir)) {
      if (!f.startsWith(`${kind}-`) || !f.endsWith('.json') || f.endsWith('.exit.json')) continue;
      const path = join(this.runDir, f);
      const rec = readJson<RunRecord>(path);
      if (!rec) continue;
      if (sameProcess(rec.pid, rec.startTime)) live.push(rec);
      else rmSync(path, { force: true });
    }
    return live;
  }

  // ---- the lock ----------------------------------------------------------------------------------------

  /**
   * An exclusive lock for operations that change the lab, across processes. It is created whole (never seen
   * empty); a lock left by a process that died (a CLI killed mid-way) is taken over.
   */
  lock(op: string): () => void {
    if (!this.isLab()) throw new InputError(this.noLab());
    const file = join(this.root, 'lock');
    const mine = JSON.stringify({ pid: process.pid, op, at: Date.now() });
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createAtomic(file, mine)) return () => this.unlock(file, mine);
      const seen = readText(file);
      if (seen === null) continue;
      const holder = parse<{ pid: number; op: string }>(seen);
      if (holder && holder.pid !== process.pid && procState(holder.pid) !== 'gone') {
        throw new InputError(`the lab at ${this.root} is busy: process ${holder.pid} is running "${holder.op}"; wait for it or stop it`);
      }
      // The holder died: take over, unless another process has just done so.
      if (readText(file) === seen) rmSync(file, { force: true });
    }
    throw new InputError(`cannot lock the lab at ${this.root}: other processes keep taking it; try again`);
  }

  /** The live process, other than this one, that holds the lock. */
  private lockHolder(): { pid: number; op: string } | null {
    const holder = readJson<{ pid: number; op: string }>(join(this.root, 'lock'));
    return holder && holder.pid !== process.pid && procState(holder.pid) !== 'gone' ? holder : null;
  }

  private unlock(file: string, mine: string): void {
    if (readText(file) === mine) rmSync(file, { force: true });
  }
}
