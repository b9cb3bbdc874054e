/**
 * The one typed contract between the engine's front doors (Electron IPC, the web host's WebSocket)
 * and the renderer: every operation with its argument schema, validated at the door.
 */
import { z } from 'zod';
import {
  BOX_NAME,
  checkCount,
  checkGreeterName,
  checkKvKey,
  checkKvPrefix,
  checkKvValue,
  checkNodeName,
  checkSubnet,
} from './names.js';
import { VM_ACTIONS, type VmAction } from './steps.js';
import { VAGRANT_BACKENDS } from './types.js';
import type { ClusterSnapshot, GreeterCall, GreeterInstance, KvEntry, KvResult, LabEvent } from './types.js';

const node = z.unknown().transform((v, ctx) => refine(ctx, () => checkNodeName(v)));
const optNode = z.unknown().optional().transform((v, ctx) => (v === undefined ? undefined : refine(ctx, () => checkNodeName(v))));
const kvKey = z.unknown().transform((v, ctx) => refine(ctx, () => checkKvKey(v)));
const kvPrefix = z.unknown().optional().transform((v, ctx) => refine(ctx, () => checkKvPrefix(v)));
const greeterName = z.unknown().transform((v, ctx) => refine(ctx, () => checkGreeterName(v)));
const count = z.unknown().optional().transform((v, ctx) => (v === undefined ? 1 : refine(ctx, () => checkCount(v, 1000))));
const termId = z.string().regex(/^[a-z0-9-]{1,64}$/i, 'a terminal id of letters, digits and hyphens');
const dim = z.number().int().min(1).max(1000);
const topology = (what: string, min: number, max: number) =>
  z.number({ message: `${what} must be a whole number from ${min} to ${max}` }).int(`${what} must be a whole number from ${min} to ${max}`).min(min, `${what} must be a whole number from ${min} to ${max}`).max(max, `${what} must be a whole number from ${min} to ${max}`);
const subnet = z.unknown().optional().transform((v, ctx) => (v === undefined ? undefined : refine(ctx, () => checkSubnet(v))));
const VM_ACTION_NAMES = Object.keys(VM_ACTIONS) as [VmAction, ...VmAction[]];
export const VAGRANTFILE_MAX_BYTES = 256 * 1024;
const vagrantfileText = z
  .string()
  .refine((t) => new TextEncoder().encode(t).length <= VAGRANTFILE_MAX_BYTES, `the Vagrantfile must be at most ${VAGRANTFILE_MAX_BYTES / 1024} KiB`);

/** Why settings cannot change: the engine's refusal and the settings dialog's notice, in the same words. */
export const MUST_DESTROY = 'this lab has been brought up: destroy it first to change its settings';
export const NO_VAGRANTFILE = 'this lab uses the local provider: there is no Vagrantfile';
export const NO_MACHINES = 'this lab uses the local provider: its agents are processes on this machine, not VMs (choose the vagrant provider for VMs)';

function refine<T>(ctx: z.RefinementCtx, check: () => T): T {
  try {
    return check();
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
    return z.NEVER;
  }
}

export const operations = {
  snapshot: z.object({}).strict(),
  history: z.object({}).strict(),
  up: z.object({}).strict(),
  down: z.object({}).strict(),
  destroy: z.object({}).strict(),
  join: z.object({ node, target: optNode }).strict(),
  leave: z.object({ node }).strict(),
  kill: z.object({ node }).strict(),
  pause: z.object({ node }).strict(),
  resume: z.object({ node }).strict(),
  rejoin: z.object({ node }).strict(),
  members: z.object({ node: optNode }).strict(),
  /** The value as text (`value`) or as bytes (`base64`): the handler gets its bytes. */
  kvPut: z
    .object({ key: kvKey, value: z.unknown().optional(), base64: z.unknown().optional(), node: optNode })
    .strict()
    .transform(({ key, value, base64, node }, ctx) => ({ key, node, bytes: refine(ctx, () => checkKvValue(value, base64)) })),
  kvGet: z.object({ key: kvKey, node: optNode }).strict(),
  kvDelete: z.object({ key: kvKey, node: optNode }).strict(),
  kvList: z.object({ prefix: kvPrefix, node: optNode }).strict(),
  greeterStart: z.object({ node }).strict(),
  greeterStop: z.object({ id: z.string().min(1).max(128) }).strict(),
  greeterKill: z.object({ id: z.string().min(1).max(128) }).strict(),
  greeterCall: z.object({ name: greeterName, count, via: optNode }).strict(),
  logTail: z.object({ node, bytes: z.number().int().min(0).max(4 * 1024 * 1024).optional() }).strict(),
  machineLogTail: z.object({ machine: z.string().regex(/^[a-z0-9-]{1,63}$/i, 'a machine name such as n1'), bytes: z.number().int().min(0).max(4 * 1024 * 1024).optional() }).strict(),
  termOpen: z.object({ id: termId, node, cols: dim, rows: dim }).strict(),
  termWrite: z.object({ id: termId, data: z.string().max(64 * 1024) }).strict(),
  termResize: z.object({ id: termId, cols: dim, rows: dim }).strict(),
  termAck: z.object({ id: termId, bytes: z.number().int().min(0) }).strict(),
  termClose: z.object({ id: termId }).strict(),
  configure: z
    .object({
      servers: topology('servers', 1, 9),
      clients: topology('clients', 0, 9),
      provider: z.enum(['local', 'vagrant']),
      subnet,
      vagrant: z
        .object({ provider: z.enum(VAGRANT_BACKENDS), box: z.string().regex(BOX_NAME, 'a box name such as debian/bookworm64').optional() })
        .strict()
        .optional(),
    })
    .strict(),
  vagrantfileGet: z.object({}).strict(),
  vagrantfilePut: z.object({ text: vagrantfileText }).strict(),
  vm: z
    .object({
      action: z.enum(VM_ACTION_NAMES, { message: `a machine action: ${VM_ACTION_NAMES.join(', ')}` }),
      machine: z.string().regex(/^[a-z0-9-]{1,63}$/i, 'a machine name such as n1').optional(),
    })
    .strict(),
} as const;

export type OpName = keyof typeof operations;
export type OpArgs<K extends OpName> = z.input<(typeof operations)[K]>;
export type OpParsed<K extends OpName> = z.output<(typeof operations)[K]>;

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

export const opNames = Object.keys(operations) as OpName[];

export function isOpName(name: unknown): name is OpName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(operations, name);
}

/** Validate one call's arguments; throws an Error whose message names each problem. */
export function parseArgs<K extends OpName>(op: K, args: unknown): OpParsed<K> {
  const result = operations[op].safeParse(args ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new Error(`${op}: ${problems.join('; ')}`);
  }
  return result.data as OpParsed<K>;
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
