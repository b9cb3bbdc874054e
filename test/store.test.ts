/** The window's store without a window: the header's progress, the timeline and the samples from the engine's events. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeSpec } from '../main/engine/lab/spec.js';
import type { LabEvent, LabSpec, ProgressEvent } from '../main/common/types.js';
import { CALLS_CAP, HISTORY_CAP, labStore, reduce, TIMELINE_CAP, type LabState } from '../renderer/store.js';

const T0 = 1_700_000_000_000;

function withLab(spec: LabSpec): LabState {
  const snapshot = {
    lab: spec,
    dir: '/tmp/lab',
    nodes: [],
    members: [],
    leader: null,
    raft: null,
    seenFrom: null,
    views: [],
    greeters: [],
    created: false,
    at: T0,
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
    { type: 'action', op: 'kvPut', args: { key: 'a', node: 'agent-one' }, ok: true, at: T0 + 100 },
  ]);
  assert.equal(s.progress!.finished, false);
});

test("the timeline in plain words: each event its own text and tone, the user's actions by operation", () => {
  const at = T0;
  const s = feed(labStore.getState(), [
    { type: 'member', name: 'agent-two', from: null, to: 'alive', at },
    { type: 'member', name: 'agent-two', from: 'alive', to: 'failed', at },
    { type: 'leader', leader: 'agent-one', previous: null, at },
    { type: 'leader', leader: null, previous: 'agent-one', at },
    { type: 'action', op: 'kill', args: { node: 'agent-two' }, ok: true, at },
    { type: 'action', op: 'join', args: { node: 'agent-client', target: 'agent-one' }, ok: true, at },
    { type: 'action', op: 'kvDelete', args: { key: 'a/b', node: 'agent-client' }, ok: true, at },
    { type: 'action', op: 'vm', args: { action: 'halt', machine: 'n2' }, ok: false, error: 'n2 is busy', at },
    { type: 'action', op: 'configure', args: { servers: 3, clients: 1, provider: 'vagrant', vagrant: { provider: 'lxc' } }, ok: true, at },
    { type: 'action', op: 'down', args: {}, ok: true, at },
    { type: 'greeter-health', id: 'greeter-1', node: 'agent-one', from: 'passing', to: 'critical', at },
    { type: 'greeter-instance', id: 'greeter-1', node: 'agent-one', change: 'killed', at },
    progress('up', 'elect-leader', 'Elect a leader', 'fail', 1, 'no leader within 30 s'),
  ]);
  assert.deepEqual(
    s.timeline.map((t) => [t.kind, t.text, t.tone]),
    [
      ['member', 'agent-two joined (alive)', 'ok'],
      ['member', 'agent-two failed (was alive)', 'bad'],
      ['leader', 'leader is now agent-one', 'ok'],
      ['leader', 'no leader (was agent-one): quorum lost?', 'bad'],
      ['action', 'you: kill agent-two', 'info'],
      ['action', 'you: join agent-client → agent-one', 'info'],
      ['action', 'you: kvDelete key a/b through agent-client', 'info'],
      ['action', 'you: vm halt n2 failed: n2 is busy', 'bad'],
      ['action', 'you: configure 3 servers, 1 client, vagrant provider (lxc)', 'info'],
      ['action', 'you: down', 'info'],
      ['greeter', 'greeter greeter-1 on agent-one: critical (was passing)', 'bad'],
      ['greeter', 'greeter greeter-1 on agent-one killed', 'bad'],
      ['progress', 'up: Elect a leader failed: no leader within 30 s', 'bad'],
    ],
  );
  assert.deepEqual(
    s.timeline.map((t) => t.seq),
    s.timeline.map((_, i) => i + 1),
    'numbered in arrival order',
  );
});

test('the timeline, history and calls keep only their most recent entries', () => {
  const members: LabEvent[] = Array.from({ length: TIMELINE_CAP + 5 }, (_, i) => ({
    type: 'member',
    name: `n${i}`,
    from: null,
    to: 'alive',
    at: T0 + i,
  }));
  const calls: LabEvent[] = Array.from({ length: CALLS_CAP + 3 }, (_, i) => ({
    type: 'greeter-call',
    call: { ok: true, via: 'agent-client', discoveryMs: 0, callMs: 1, path: [], at: T0 + i },
  }));
  const snapshots: LabEvent[] = Array.from({ length: HISTORY_CAP + 2 }, (_, i) => ({
    type: 'snapshot',
    snapshot: { ...withLab(makeSpec({})).snapshot!, at: T0 + i },
  }));
  const s = feed(labStore.getState(), [...members, ...calls, ...snapshots]);
  assert.equal(s.timeline.length, TIMELINE_CAP);
  assert.equal(s.timeline[0]!.text, 'n5 joined (alive)');
  assert.equal(s.calls.length, CALLS_CAP);
  assert.equal(s.calls[0]!.at, T0 + 3);
  assert.equal(s.history.length, HISTORY_CAP);
  assert.equal(s.history[0]!.at, T0 + 2);
});

test('output events never reach the store; ingestMany is ingest of each in turn', () => {
  const before = labStore.getState();
  const noisy: LabEvent[] = [
    { type: 'log', node: 'agent-one', data: 'x' },
    { type: 'machine-log', machine: 'n1', data: 'y' },
    { type: 'term-data', id: 't', data: 'z' },
    { type: 'term-exit', id: 't', code: 0 },
  ];
  assert.equal(feed(before, noisy), before, 'the same state: nothing re-renders');
  const events: LabEvent[] = [{ type: 'leader', leader: 'agent-one', previous: null, at: T0 }, ...noisy];
  labStore.getState().ingestMany(events);
  const { timeline, seq } = labStore.getState();
  assert.deepEqual([timeline.map((t) => t.text), seq], [['leader is now agent-one'], 1]);
});
