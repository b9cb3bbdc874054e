/**
 * The lab's Greeter processes on disk, in its run/ directory: a record per instance, written once it is
 * registered, and its log; and a record per Go Micro client making calls. Each record holds the pid and the
 * process's start time, its identity. An instance's record outlives a killed process on purpose: the instance
 * stays listed (with Consul's view of its check) until it is removed or the lab goes down.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../common/names.js';
import { writeAtomic } from '../atomic-file.js';
import type { LabDir } from '../lab/labdir.js';
import { sameProcess } from '../process/procs.js';

/** The tutorial's service name. */
export const SERVICE = 'go.micro.srv.greeter';
/** The lab's TTL check: short, so that a killed instance goes critical within seconds. */
export const TTL_S = 10;
export const INTERVAL_S = 5;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ID = new RegExp(`^go\\.micro\\.srv\\.greeter-${UUID}$`);

export interface GreeterRecord {
  /** Consul's service ID: go.micro.srv.greeter-<uuid>. */
  id: string;
  node: string;
  address: string;
  port: number;
  /** In the node's machine, for a node in a VM. */
  pid: number;
  startTime: string;
  ttlS: number;
  intervalS: number;
  startedAt: number;
  killedAt?: number;
}

export const recordFile = (dir: LabDir, id: string) => join(dir.runDir, `${id}.json`);
export const logFile = (dir: LabDir, id: string) => join(dir.runDir, `${id}.log`);
const callFile = (dir: LabDir, pid: number) => join(dir.runDir, `greeter-call-${pid}.json`);

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new InputError(`invalid greeter instance id "${String(id).slice(0, 80)}": ids look like ${SERVICE}-<uuid> (see greeter ls)`);
  }
  return id;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export const readRecord = (dir: LabDir, id: string) => readJson<GreeterRecord>(recordFile(dir, id));

export function writeRecord(dir: LabDir, rec: GreeterRecord): void {
  writeAtomic(recordFile(dir, rec.id), JSON.stringify(rec, null, 2));
}

export function readRecords(dir: LabDir): GreeterRecord[] {
  if (!existsSync(dir.runDir)) return [];
  return readdirSync(dir.runDir)
    .map((f) => (f.endsWith('.json') && ID.test(f.slice(0, -5)) ? f.slice(0, -5) : null))
    .filter((id): id is string => id !== null)
    .map((id) => readRecord(dir, id))
    .filter((r): r is GreeterRecord => r !== null)
    .sort((a, b) => a.startedAt - b.startedAt);
}

export function removeRecord(dir: LabDir, id: string): void {
  rmSync(recordFile(dir, id), { force: true });
}

export interface CallRecord {
  pid: number;
  startTime: string;
}

export function recordCall(dir: LabDir, rec: CallRecord): void {
  writeAtomic(callFile(dir, rec.pid), JSON.stringify(rec));
}

export function forgetCall(dir: LabDir, pid: number): void {
  rmSync(callFile(dir, pid), { force: true });
}

/** The clients still making calls (records of ended ones are dropped). */
export function liveCalls(dir: LabDir): CallRecord[] {
  if (!existsSync(dir.runDir)) return [];
  const live: CallRecord[] = [];
  for (const f of readdirSync(dir.runDir)) {
    if (!/^greeter-call-\d+\.json$/.test(f)) continue;
    const rec = readJson<CallRecord>(join(dir.runDir, f));
    if (rec && sameProcess(rec.pid, rec.startTime)) live.push(rec);
    else rmSync(join(dir.runDir, f), { force: true });
  }
  return live;
}
