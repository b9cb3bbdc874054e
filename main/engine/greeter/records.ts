/**
 * Greeter instances on disk, in the lab's run/ directory: the job a process is started with, the record it
 * writes once it listens and is registered, and its log. A record outlives a killed process on purpose: the
 * instance stays listed (with Consul's view of its check) until it is stopped or the lab goes down.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../common/names.js';
import type { LabDir } from '../lab/labdir.js';
import { cmdline, procState } from '../process/procs.js';

export const SERVICE = 'greeter';
export const VERSION = '1.0.0';
const ID = /^greeter-[0-9a-f]{8}$/;

export interface GreeterJob {
  id: string;
  node: string;
  address: string;
  /** The node's agent, e.g. http://127.0.0.10:8500. */
  agent: string;
  recordFile: string;
}

export interface GreeterRecord {
  id: string;
  node: string;
  address: string;
  port: number;
  pid: number;
  startedAt: number;
}

export const recordFile = (dir: LabDir, id: string) => join(dir.runDir, `${id}.json`);
export const jobFile = (dir: LabDir, id: string) => join(dir.runDir, `${id}.job`);
export const logFile = (dir: LabDir, id: string) => join(dir.runDir, `${id}.log`);

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new InputError(`invalid greeter instance id "${String(id).slice(0, 80)}": ids look like greeter-1a2b3c4d (see greeter ls)`);
  }
  return id;
}

export function readRecord(dir: LabDir, id: string): GreeterRecord | null {
  try {
    return JSON.parse(readFileSync(recordFile(dir, id), 'utf8')) as GreeterRecord;
  } catch {
    return null;
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a record. */
export function writeRecord(file: string, rec: GreeterRecord): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(rec, null, 2));
  renameSync(`${file}.tmp`, file);
}

export function readRecords(dir: LabDir): GreeterRecord[] {
  if (!existsSync(dir.runDir)) return [];
  return readdirSync(dir.runDir)
    .map((f) => /^(greeter-[0-9a-f]{8})\.json$/.exec(f)?.[1])
    .filter((id): id is string => id !== undefined)
    .map((id) => readRecord(dir, id))
    .filter((r): r is GreeterRecord => r !== null)
    .sort((a, b) => a.startedAt - b.startedAt);
}

/** Alive, and still this instance: a pid reused by another process after a reboot is not ours to signal. */
export function isAlive(rec: GreeterRecord): boolean {
  return procState(rec.pid) !== 'gone' && cmdline(rec.pid).some((a) => a.endsWith(`${rec.id}.job`));
}

export function removeFiles(dir: LabDir, id: string): void {
  rmSync(recordFile(dir, id), { force: true });
  rmSync(jobFile(dir, id), { force: true });
}
