/** The window's store without a window: the header's progress from the events the engine sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeSpec } from '../main/engine/lab/spec.js';
import type { LabEvent, LabSpec, ProgressEvent } from '../main/common/types.js';
import { labStore, reduce, type LabState } from '../renderer/store.js';

const T0 = 1_700_000_000_000;

function withLab(spec: LabSpec): LabState {
  const snapshot = {
    lab: spec, dir: '/tmp/lab', nodes: [], members: [], leader: null, raft: null, seenFrom: null, greeters: [], created: false, at: T0,
  };
  return reduce(labStore.getState(), { type: 'snapshot', snapshot });
}

function progress(op: string, step: string, label: string, status: ProgressEvent['status'], atSec: number, message?: string) {
  const e: ProgressEvent = { type: 'progress', op, step, label, status, message, elapsedMs: atSec * 1000, at: T0 + atSec * 1000 };
  return e;
}

function feed(state: LabState, events: LabEvent[]): LabState {
  return events.reduce(reduce, state);
}

/** Each step as "label status elapsed-seconds" (and its message). */
function steps(state: LabState): string[] {
  return state.progress!.steps.map((s) => `${s.label} ${s.status} ${s.elapsedMs / 1000}${s.message ? ` ${s.message}` : ''}`);
}

test('vagrant bring-up: every step listed ahead in order, an added box before the first VM, phases, real times', () => {
  const spec = makeSpec({ provider: 'vagrant' });
  let s = feed(withLab(spec), [progress('up', 'preflight', 'Check consul and addresses', 'start', 0)]);
  assert.deepEqual(steps(s), [
    'Check consul and addresses start 0',
    'Bring up n1 pending 0',
    'Bring up n2 pending 0',
    'Start servers (agent-one, agent-two) pending 0',
    'Join servers (consul join from agent-one) pending 0',
    'Elect a leader pending 0',
    'Start clients (agent-client) pending 0',
    'Join clients pending 0',
    'All members alive pending 0',
  ]);
  s = feed(s, [
    progress('up', 'preflight', 'Check consul and addresses', 'done', 0.5),
    progress('up', 'box', 'Add box consul-lab/debian-12-r2', 'start', 0.5),
    progress('up', 'box', 'Add box consul-lab/debian-12-r2', 'done', 3),
    progress('up', 'vm-up-n1', 'Bring up n1', 'start', 3),
    progress('up', 'vm-up-n1', 'Bring up n1', 'start', 5, 'booting'),
    progress('up', 'vm-up-n1', 'Bring up n1', 'start', 9, 'provisioning'),
  ]);
  assert.deepEqual(steps(s).slice(0, 4), [
    'Check consul and addresses done 0.5',
    'Add box consul-lab/debian-12-r2 done 2.5',
    'Bring up n1 start 0 provisioning',
    'Bring up n2 pending 0',
  ]);
  assert.equal(s.progress!.steps[2]!.startedAt, T0 + 3000, 'a phase does not restart the step');
  const rest = [
    ['vm-up-n2', 'Bring up n2'],
    ['start-servers', 'Start servers (agent-one, agent-two)'],
    ['join-servers', 'Join servers (consul join from agent-one)'],
    ['elect-leader', 'Elect a leader'],
    ['start-clients', 'Start clients (agent-client)'],
    ['join-clients', 'Join clients'],
    ['all-alive', 'All members alive'],
  ] as const;
  s = feed(s, [
    progress('up', 'vm-up-n1', 'Bring up n1', 'done', 14, 'ready'),
    ...rest.flatMap(([step, label], i) => [progress('up', step, label, 'start', 14 + i), progress('up', step, label, 'done', 15 + i)]),
  ]);
  assert.equal(steps(s)[2], 'Bring up n1 done 11 ready');
  assert.equal(s.progress!.finished, false, 'the last step does not end the operation: its action event does');
  s = feed(s, [{ type: 'action', op: 'up', args: {}, ok: true, at: T0 + 21_500 }]);
  assert.deepEqual([s.progress!.finished, s.progress!.failed, s.progress!.endedAt! - s.progress!.startedAt], [true, false, 21_500]);
  assert.ok(s.progress!.steps.every((x) => x.status === 'done'));
});

test('VMs brought up by one vagrant command: steps side by side; a failure ends the operation with its message', () => {
  const timeout = 'n2 did not come up within 900 s';
  const s = feed(withLab(makeSpec({ provider: 'vagrant' })), [
    progress('up', 'preflight', 'Check consul and addresses', 'start', 0),
    progress('up', 'preflight', 'Check consul and addresses', 'done', 1),
    progress('up', 'vm-up-n1', 'Bring up n1', 'start', 1),
    progress('up', 'vm-up-n2', 'Bring up n2', 'start', 1),
    progress('up', 'vm-up-n2', 'Bring up n2', 'start', 2, 'booting'),
    progress('up', 'vm-up-n1', 'Bring up n1', 'done', 8, 'ready'),
    progress('up', 'vm-up-n1', 'Bring up n1', 'fail', 9, timeout),
    progress('up', 'vm-up-n2', 'Bring up n2', 'fail', 9, timeout),
  ]);
  assert.deepEqual([s.progress!.finished, s.progress!.failed], [true, true]);
  assert.deepEqual(steps(s).slice(1, 4), [
    `Bring up n1 fail 8 ${timeout}`,
    `Bring up n2 fail 8 ${timeout}`,
    'Start servers (agent-one, agent-two) pending 0',
  ]);
});

test('rejoin and vm: the steps of the node or machine the first step names', () => {
  const local = withLab(makeSpec({}));
  const rejoin = feed(local, [progress('rejoin', 'start', 'Start agent-two with -rejoin -ui', 'start', 0)]);
  assert.deepEqual(steps(rejoin), ['Start agent-two with -rejoin -ui start 0', 'agent-two alive pending 0']);

  const vagrant = withLab(makeSpec({ provider: 'vagrant' }));
  const halt = feed(vagrant, [progress('vm', 'vm-halt-n2', 'Halt n2', 'start', 0), progress('vm', 'vm-halt-n2', 'Halt n2', 'done', 2)]);
  assert.deepEqual(steps(halt), ['Halt n2 done 2']);
  const failed = feed(halt, [
    { type: 'action', op: 'vm', args: { action: 'halt', machine: 'n2' }, ok: false, error: 'n2 is busy', at: T0 + 2500 },
  ]);
  assert.deepEqual([failed.progress!.failed, failed.progress!.error], [true, 'n2 is busy']);
  const again = feed(failed, [progress('vm', 'vm-up-n2', 'Bring up n2', 'start', 10)]);
  assert.deepEqual(steps(again), ['Bring up n2 start 0'], 'a new operation starts afresh');
});

test("another operation's action event does not end the one in progress", () => {
  const s = feed(withLab(makeSpec({})), [
    progress('down', 'greeters', 'Stop Greeter instances', 'start', 0),
    { type: 'action', op: 'kvPut', args: { key: 'a' }, ok: true, at: T0 + 100 },
  ]);
  assert.equal(s.progress!.finished, false);
});
