/**
 * The one typed contract between the engine's front doors (Electron IPC, the web host's WebSocket) and the renderer:
 * the operations' wire names, their argument and result types, the frames and channels, and shared messages. It has
 * no runtime dependency, so that the sandboxed preload stays small: the argument schemas, validated at the door, are
 * in validation.ts (zod), and only their types are seen here.
 */
import type { z } from 'zod';
import type { ClusterSnapshot, GreeterCall, GreeterInstance, KvEntry, KvResult, LabEvent } from './types.js';
import type { operations } from './validation.js';

/** Why settings cannot change: the engine's refusal and the settings dialog's notice, in the same words. */
export const MUST_DESTROY = 'this lab has been brought up: destroy it first to change its settings';
/** When no agent of the lab can serve a request (or show the cluster): the engine's error, the CLI's and the window's words. */
export const NO_AGENT = 'no agent of the lab answers: run up, or rejoin or resume an agent';
export const NO_VAGRANTFILE = 'this lab uses the local provider: there is no Vagrantfile';
export const NO_MACHINES =
  'this lab uses the local provider: its agents are processes on this machine, not VMs (choose the vagrant provider for VMs)';

/** Every operation by its wire name; validation.ts has a schema for each. */
export const opNames = [
  'snapshot',
  'history',
  'up',
  'down',
  'destroy',
  'join',
  'leave',
  'kill',
  'pause',
  'resume',
  'rejoin',
  'members',
  'kvPut',
  'kvGet',
  'kvDelete',
  'kvList',
  'greeterStart',
  'greeterStop',
  'greeterKill',
  'greeterCall',
  'logTail',
  'machineLogTail',
  'termOpen',
  'termWrite',
  'termResize',
  'termAck',
  'termClose',
  'configure',
  'vagrantfileGet',
  'vagrantfilePut',
  'vm',
] as const;

export type OpName = (typeof opNames)[number];
export type OpArgs<K extends OpName> = z.input<(typeof operations)[K]>;

export interface OpResults {
  snapshot: ClusterSnapshot;
  /** The recent timeline-worthy events, oldest first, for a view that opens late. */
  history: LabEvent[];
  up: ClusterSnapshot;
  down: ClusterSnapshot;
  destroy: { destroyed: string };
  join: ClusterSnapshot;
  leave: ClusterSnapshot;
  kill: ClusterSnapshot;
  pause: ClusterSnapshot;
  resume: ClusterSnapshot;
  rejoin: ClusterSnapshot;
  members: { seenFrom: string; members: ClusterSnapshot['members'] };
  kvPut: KvResult;
  kvGet: KvResult;
  kvDelete: KvResult;
  kvList: { servedBy: string; entries: KvEntry[] };
  greeterStart: GreeterInstance;
  greeterStop: GreeterInstance;
  greeterKill: GreeterInstance;
  greeterCall: GreeterCall[];
  logTail: { node: string; data: string };
  machineLogTail: { machine: string; data: string };
  termOpen: { id: string };
  termWrite: null;
  termResize: null;
  termAck: null;
  termClose: null;
  configure: ClusterSnapshot;
  vagrantfileGet: { path: string; text: string };
  vagrantfilePut: { path: string; text: string };
  vm: ClusterSnapshot;
}

/** What a renderer sees: one method per operation, plus an event subscription. */
export type LabApi = {
  [K in OpName]: (args: OpArgs<K>) => Promise<OpResults[K]>;
} & {
  onEvent(listener: (event: LabEvent) => void): () => void;
};

export function isOpName(name: unknown): name is OpName {
  return typeof name === 'string' && (opNames as readonly string[]).includes(name);
}

/** Wire frames of the WebSocket door and the Electron IPC door. */
export interface CallFrame {
  id: number;
  op: OpName;
  args: unknown;
}
export type ReplyFrame = { id: number | null; ok: true; result: unknown } | { id: number | null; ok: false; error: string };
export type EventFrame = { event: LabEvent };

export const IPC_CALL = 'lab:call';
export const IPC_EVENT = 'lab:event';
