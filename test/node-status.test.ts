/** One node status for the window and the CLI: derived from the process, the API and Consul's member status. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeStatus, nodeStatuses, type NodeStatus } from '../main/common/node-status.js';
import type { ClusterSnapshot, Member, MemberStatus, NodeState, ProcessState } from '../main/common/types.js';
import { renderStatus } from '../main/cli/format.js';
import { makeSpec } from '../main/engine/lab/spec.js';
import { labStore, reduce } from '../renderer/store.js';

test('each combination of process, API and member status, in one word', () => {
  const cases: [ProcessState, boolean, MemberStatus | undefined, NodeStatus][] = [
    // A running agent: Consul's word, else alive once its API answers, else starting.
    ['running', true, 'alive', 'alive'],
    ['running', true, 'failed', 'failed'],
    ['running', true, 'leaving', 'leaving'],
    ['running', true, undefined, 'alive'],
    ['running', false, undefined, 'starting'],
    ['running', false, 'none', 'starting'],
    ['running', false, 'alive', 'alive'],
    // Paused or stopped: that, until Consul notices.
    ['paused', false, 'alive', 'paused'],
    ['paused', false, 'failed', 'failed'],
    ['paused', false, undefined, 'paused'],
    ['stopped', false, 'alive', 'stopped'],
    ['stopped', false, 'failed', 'failed'],
    ['stopped', false, 'left', 'left'],
    ['stopped', false, 'leaving', 'leaving'],
    ['stopped', false, 'none', 'stopped'],
    ['stopped', false, undefined, 'stopped'],
  ];
  for (const [process, apiUp, status, want] of cases) {
    const what = `${process}, API ${apiUp ? 'up' : 'down'}, member ${status}`;
    assert.equal(nodeStatus({ process, apiUp }, status ? { status } : undefined), want, what);
  }
});

function snapshot(): ClusterSnapshot {
  const spec = makeSpec({ servers: 3, clients: 1, subnet: '127.0.99' });
  const state = (name: string, process: ProcessState, apiUp: boolean): NodeState => {
    const n = spec.nodes.find((x) => x.name === name)!;
    const httpAddr = `http://${n.address}:8500`;
    return { name, role: n.role, address: n.address, httpAddr, process, pid: 100, apiUp, ui: false, machine: null, raft: null };
  };
  const member = (name: string, status: MemberStatus): Member => ({
    name,
    address: '127.0.99.1',
    port: 8301,
    status,
    role: 'server',
    build: '1.14.11',
    dc: 'dc1',
  });
  return {
    lab: spec,
    dir: '/tmp/lab',
    nodes: [
      state('agent-one', 'running', true),
      state('agent-two', 'paused', false),
      state('agent-three', 'stopped', false),
      state('agent-client', 'running', false),
    ],
    members: [member('agent-one', 'alive'), member('agent-two', 'alive'), member('agent-three', 'failed')],
    leader: 'agent-one',
    raft: null,
    seenFrom: 'agent-one',
    views: [],
    greeters: [],
    created: true,
    at: 1_700_000_000_000,
  };
}

const WANT = { 'agent-one': 'alive', 'agent-two': 'paused', 'agent-three': 'failed', 'agent-client': 'starting' };

test("a snapshot's nodes, each by its own member", () => {
  assert.deepEqual(nodeStatuses(snapshot()), WANT);
});

test('the CLI and the window show the same word for each node', () => {
  const s = snapshot();
  const cli = renderStatus(s);
  for (const [name, word] of Object.entries(WANT)) {
    assert.match(cli, new RegExp(`^${name}\\s+${word}\\s`, 'm'), `the CLI's status of ${name}`);
  }
  const window = reduce(labStore.getState(), { type: 'snapshot', snapshot: s });
  assert.deepEqual(window.history.at(-1)?.statuses, WANT, "the window's status samples");
});
