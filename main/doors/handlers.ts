/**
 * The operations of the contract as plain functions over one lab session: what the Electron IPC adapter
 * and the web host both call, after validating the arguments at the door.
 */
import { InputError } from '../common/names.js';
import { isOpName, type OpName, type OpResults } from '../common/contract.js';
import { parseArgs, type OpParsed } from '../common/validation.js';
import type { LabSession } from '../engine/session.js';

export type Handlers = { [K in OpName]: (args: OpParsed<K>) => Promise<OpResults[K]> | OpResults[K] };

/** Each call looks the lab up through the session: settings may replace it. */
export function createHandlers(s: LabSession): Handlers {
  const changed = <T>(p: Promise<T>): Promise<T> => p.finally(() => s.watch.poke());
  return {
    snapshot: () => s.lab.snapshot(),
    history: () => s.journal.list(),
    up: () => changed(s.lab.up()),
    down: () => changed(s.lab.down()),
    destroy: () => changed(s.lab.destroy()),
    join: (a) => changed(s.lab.join(a.node, a.target)),
    leave: (a) => changed(s.lab.leave(a.node)),
    kill: (a) => changed(s.lab.kill(a.node)),
    pause: (a) => changed(s.lab.pause(a.node)),
    resume: (a) => changed(s.lab.resume(a.node)),
    rejoin: (a) => changed(s.lab.rejoin(a.node)),
    members: (a) => s.lab.members(a.node),
    kvPut: (a) => s.lab.kvPut(a.key, a.bytes, a.node),
    kvGet: (a) => s.lab.kvGet(a.key, a.node),
    kvDelete: (a) => s.lab.kvDelete(a.key, a.node),
    kvList: (a) => s.lab.kvList(a.prefix, a.node),
    greeterStart: (a) => changed(s.lab.greeter.start(a.node)),
    greeterStop: (a) => changed(s.lab.greeter.stop(a.id)),
    greeterKill: (a) => changed(s.lab.greeter.kill(a.id)),
    greeterCall: (a) => s.lab.greeter.call(a.name, a.count, a.via),
    logTail: (a) => s.terminals.logTail(a.node, a.bytes),
    machineLogTail: (a) => s.terminals.machineLogTail(a.machine, a.bytes),
    termOpen: (a) => s.terminals.open(a.id, a.node, a.cols, a.rows),
    termWrite: (a) => s.terminals.write(a.id, a.data),
    termResize: (a) => s.terminals.resize(a.id, a.cols, a.rows),
    termAck: (a) => s.terminals.ack(a.id, a.bytes),
    termClose: (a) => s.terminals.close(a.id),
    configure: (a) => s.configure(a),
    vagrantfileGet: () => s.lab.vagrantfileGet(),
    vagrantfilePut: (a) => s.lab.vagrantfilePut(a.text),
    vm: (a) => s.lab.vm(a.action, a.machine),
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
