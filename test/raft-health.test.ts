/** Raft health from the voters and serf's members: quorum, the failures tolerated, and the quorum message. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Member, MemberStatus, Role } from '../main/common/types.js';
import { quorumMessage, raftHealth } from '../main/engine/cluster/members.js';

function member(name: string, status: MemberStatus, role: Role = 'server'): Member {
  return { name, address: '127.0.0.1', port: 8301, status, role, build: '1.14.11', dc: 'dc1' };
}

test('quorum is a majority of the voters; tolerates counts the alive voters beyond it', () => {
  const cases: [number, number, { quorum: number; tolerates: number }][] = [
    // voters, alive voters → quorum, tolerates
    [1, 1, { quorum: 1, tolerates: 0 }],
    [2, 2, { quorum: 2, tolerates: 0 }],
    [2, 1, { quorum: 2, tolerates: -1 }],
    [3, 3, { quorum: 2, tolerates: 1 }],
    [3, 2, { quorum: 2, tolerates: 0 }],
    [4, 4, { quorum: 3, tolerates: 1 }],
    [5, 5, { quorum: 3, tolerates: 2 }],
    [5, 2, { quorum: 3, tolerates: -1 }],
  ];
  for (const [n, alive, want] of cases) {
    const voters = Array.from({ length: n }, (_, i) => `s${i}`);
    const members = voters.map((v, i) => member(v, i < alive ? 'alive' : 'failed'));
    const h = raftHealth(voters, members);
    const got = { quorum: h.quorum, tolerates: h.tolerates, aliveVoters: h.aliveVoters };
    assert.deepEqual(got, { ...want, aliveVoters: alive }, `${alive} of ${n}`);
    assert.deepEqual(h.voters, voters);
  }
});

test('only voters that serf sees alive count: left, leaving, failed, unknown and missing ones do not', () => {
  const voters = ['a', 'b', 'c', 'd', 'e', 'f'];
  const members = [member('a', 'alive'), member('b', 'left'), member('c', 'leaving'), member('d', 'failed'), member('e', 'none')];
  const h = raftHealth(voters, members);
  assert.deepEqual([h.aliveVoters, h.quorum, h.tolerates], [1, 4, -3]);
  const withClient = raftHealth(['a'], [member('a', 'alive'), member('client', 'alive', 'client')]);
  assert.deepEqual([withClient.aliveVoters, withClient.quorum, withClient.tolerates], [1, 1, 0], 'a non-voter is not counted');
});

test('the quorum message counts the servers serf knows, leaving out those that left, and no clients', () => {
  const members = [
    member('agent-one', 'alive'),
    member('agent-two', 'failed'),
    member('agent-three', 'left'),
    member('agent-four', 'leaving'),
    member('agent-client', 'alive', 'client'),
  ];
  assert.equal(quorumMessage(members), 'no cluster leader: quorum lost (1 of 3 servers alive)');
  assert.equal(quorumMessage([]), 'no cluster leader: quorum lost (0 of 0 servers alive)');
});
