// Consul's own log lines become the steps of failure detection: suspicion, the verdict, serf's events and
// elections, each told by the agent that wrote it at the time it wrote it. The lines are Consul 1.14's own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GossipEvent } from '../main/common/types.js';
import { GossipReader, parseGossip } from '../main/engine/cluster/gossip-log.js';
import { gossipWords } from '../renderer/store.js';

const T = '2026-11-25T17:3';
const LINES = [
  `${T}0:58.503Z [INFO]  agent.server.raft: entering candidate state: node="Node at 127.0.57.10:8300 [Candidate]" term=4`,
  `${T}0:59.936Z [INFO]  agent.server.memberlist.lan: memberlist: Suspect agent-two has failed, no acks received`,
  `${T}1:00.963Z [INFO]  agent.server.memberlist.lan: memberlist: Marking agent-two as failed, ` +
    'suspect timeout reached (0 peer confirmations)',
  `${T}1:00.963Z [INFO]  agent.server.serf.lan: serf: EventMemberFailed: agent-two 127.0.57.11`,
  `${T}1:02.936Z [INFO]  agent.server.memberlist.wan: memberlist: Suspect agent-two.dc1 has failed, no acks received`,
  `${T}1:03.846Z [INFO]  agent.server.serf.lan: serf: EventMemberJoin: agent-two 127.0.57.11`,
  `${T}1:05.136Z [INFO]  agent.server.raft: election won: term=8 tally=2`,
  `${T}1:05.136Z [INFO]  agent.server: New leader elected: payload=agent-one`,
  '',
].join('\n');

test('each line that tells a step of detection becomes one event, in order, with its own time; the WAN pool is left out', () => {
  const got: GossipEvent[] = [];
  const reader = new GossipReader('agent-one', (e) => got.push(e));
  // In pieces, as a log tail delivers them: lines cut anywhere.
  for (let i = 0; i < LINES.length; i += 37) reader.push(LINES.slice(i, i + 37));
  assert.deepEqual(
    got.map((e) => [e.what, e.subject, e.term ?? e.confirmations ?? null]),
    [
      ['candidate', 'agent-one', 4],
      ['suspect', 'agent-two', null],
      ['marked-failed', 'agent-two', 0],
      ['failed', 'agent-two', null],
      ['joined', 'agent-two', null],
      ['elected', 'agent-one', 8],
    ],
  );
  assert.equal(got[1]!.at, Date.parse('2026-11-25T17:30:59.936Z'));
  assert.ok(got.every((e) => e.observer === 'agent-one'));
});

test('colour codes are ignored; other lines tell nothing', () => {
  const coloured =
    '\x1b[32m2026-11-25T17:30:59.936Z [INFO]  agent.client.memberlist.lan: ' +
    'memberlist: Suspect agent-one has failed, no acks received\x1b[0m\r';
  assert.equal(parseGossip(coloured, 'agent-client')?.subject, 'agent-one');
  assert.equal(parseGossip('2026-11-25T17:31:05.136Z [INFO]  agent: Synced node info', 'agent-one'), null);
});

test('the timeline says who learned what about whom', () => {
  const e = parseGossip(LINES.split('\n')[2]!, 'agent-one')!;
  assert.deepEqual(gossipWords(e), ['agent-one marks agent-two failed: suspicion timed out, 0 peers confirmed', 'bad']);
});
