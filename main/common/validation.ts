/**
 * The operations' argument schemas (zod), checked at the doors (main/doors) before a call reaches the engine. The
 * contract (contract.ts) names the operations and takes its argument types from these schemas, as types only.
 */
import { z } from 'zod';
import { BOX_NAME, checkCount, checkGreeterName, checkKvKey, checkKvPrefix, checkKvValue, checkNodeName, checkSubnet } from './names.js';
import { checkClients, checkServers } from './topology.js';
import { VM_ACTIONS, type VmAction } from './steps.js';
import { VAGRANT_BACKENDS } from './types.js';

const node = z.unknown().transform((v, ctx) => refine(ctx, () => checkNodeName(v)));
const optNode = z
  .unknown()
  .optional()
  .transform((v, ctx) => (v === undefined ? undefined : refine(ctx, () => checkNodeName(v))));
const kvKey = z.unknown().transform((v, ctx) => refine(ctx, () => checkKvKey(v)));
const kvPrefix = z
  .unknown()
  .optional()
  .transform((v, ctx) => refine(ctx, () => checkKvPrefix(v)));
const greeterName = z.unknown().transform((v, ctx) => refine(ctx, () => checkGreeterName(v)));
const count = z
  .unknown()
  .optional()
  .transform((v, ctx) => (v === undefined ? 1 : refine(ctx, () => checkCount(v, 1000))));
const termId = z.string().regex(/^[a-z0-9-]{1,64}$/i, 'a terminal id of letters, digits and hyphens');
const dim = z.number().int().min(1).max(1000);
const machine = z.string().regex(/^[a-z0-9-]{1,63}$/i, 'a machine name such as n1');
const subnet = z
  .unknown()
  .optional()
  .transform((v, ctx) => (v === undefined ? undefined : refine(ctx, () => checkSubnet(v))));
const VM_ACTION_NAMES = Object.keys(VM_ACTIONS) as [VmAction, ...VmAction[]];
/** How much of a log's end a view may ask for. */
const tailBytes = z
  .number()
  .int()
  .min(0)
  .max(4 * 1024 * 1024)
  .optional();
const VAGRANTFILE_MAX_BYTES = 256 * 1024;
const vagrantfileText = z
  .string()
  .refine(
    (t) => new TextEncoder().encode(t).length <= VAGRANTFILE_MAX_BYTES,
    `the Vagrantfile must be at most ${VAGRANTFILE_MAX_BYTES / 1024} KiB`,
  );

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
  logTail: z.object({ node, bytes: tailBytes }).strict(),
  machineLogTail: z.object({ machine, bytes: tailBytes }).strict(),
  termOpen: z.object({ id: termId, node, cols: dim, rows: dim }).strict(),
  termWrite: z.object({ id: termId, data: z.string().max(64 * 1024) }).strict(),
  termResize: z.object({ id: termId, cols: dim, rows: dim }).strict(),
  termAck: z.object({ id: termId, bytes: z.number().int().min(0) }).strict(),
  termClose: z.object({ id: termId }).strict(),
  configure: z
    .object({
      servers: z.number({ message: 'servers must be a whole number' }).transform((v, ctx) => refine(ctx, () => checkServers(v))),
      clients: z.number({ message: 'clients must be a whole number' }),
      provider: z.enum(['local', 'vagrant']),
      subnet,
      vagrant: z
        .object({ provider: z.enum(VAGRANT_BACKENDS), box: z.string().regex(BOX_NAME, 'a box name such as debian/bookworm64').optional() })
        .strict()
        .optional(),
    })
    .strict()
    .transform((a, ctx) => ({ ...a, clients: refine(ctx, () => checkClients(a.clients, a.provider)) })),
  vagrantfileGet: z.object({}).strict(),
  vagrantfilePut: z.object({ text: vagrantfileText }).strict(),
  vm: z
    .object({
      action: z.enum(VM_ACTION_NAMES, { message: `a machine action: ${VM_ACTION_NAMES.join(', ')}` }),
      machine: machine.optional(),
    })
    .strict(),
} as const;

export type OpParsed<K extends keyof typeof operations> = z.output<(typeof operations)[K]>;

/** Validate one call's arguments; throws an Error whose message names each problem. */
export function parseArgs<K extends keyof typeof operations>(op: K, args: unknown): OpParsed<K> {
  const result = operations[op].safeParse(args ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new Error(`${op}: ${problems.join('; ')}`);
  }
  return result.data as OpParsed<K>;
}
