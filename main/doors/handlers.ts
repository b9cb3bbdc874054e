/**
 * The operations of the contract as plain functions over one lab session: what the Electron IPC adapter
 * and the web host both call, after validating the arguments at the door.
 */
import { InputError } from '../common/names.js';
import { isOpName, parseArgs, type OpName, type OpParsed, type OpResults } from '../common/contract.js';
import type { LabSession } from '../engine/session.js';

export type Handlers = { [K in OpName]: (args: OpParsed<K>) => Promise<OpResults[K]> | OpResults[K] };

export function createHandlers(s: LabSession): Handlers {
  const { lab, terminals, watch, journal } = s;
  const changed = <T>(p: Promise<T>): Promise<T> => p.finally(() => watch.poke());
  return {
    snapshot: () => lab.snapshot(),
    history: () => journal.list(),
    up: () => changed(lab.up()),
    down: () => changed(lab.down()),
    destroy: () => changed(lab.destroy()),
    join: (a) => changed(lab.join(a.node, a.target)),
    leave: (a) => changed(lab.leave(a.node)),
    kill: (a) => changed(lab.kill(a.node)),
    pause: (a) => changed(lab.pause(a.node)),
    resume: (a) => changed(lab.resume(a.node)),
    rejoin: (a) => changed(lab.rejoin(a.node)),
    members: (a) => lab.members(a.node),
    kvPut: (a) => lab.kvPut(a.key, a.value, a.node),
    kvGet: (a) => lab.kvGet(a.key, a.node),
    kvDelete: (a) => lab.kvDelete(a.key, a.node),
    kvList: (a) => lab.kvList(a.prefix, a.node),
    greeterStart: (a) => changed(lab.greeter.start(a.node)),
    greeterStop: (a) => changed(lab.greeter.stop(a.id)),
    greeterKill: (a) => changed(lab.greeter.kill(a.id)),
    greeterCall: (a) => lab.greeter.call(a.name, a.count, a.via),
    logTail: (a) => terminals.logTail(a.node, a.bytes),
    termOpen: (a) => terminals.open(a.id, a.node, a.cols, a.rows),
    termWrite: (a) => terminals.write(a.id, a.data),
    termResize: (a) => terminals.resize(a.id, a.cols, a.rows),
    termAck: (a) => terminals.ack(a.id, a.bytes),
    termClose: (a) => terminals.close(a.id),
  };
}

/** Validate an untrusted call and run it. Throws InputError for a bad operation or bad arguments. */
export async function dispatch(handlers: Handlers, op: unknown, args: unknown): Promise<unknown> {
  if (!isOpName(op)) throw new InputError(`unknown operation ${JSON.stringify(op)?.slice(0, 80)}`);
  let parsed: unknown;
  try {
    parsed = parseArgs(op, args);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  return (handlers[op] as (a: unknown) => unknown)(parsed);
}
