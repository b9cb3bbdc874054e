// The members side by side as each agent sees them: who disagrees about whom, and who did not answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { viewsMatrix } from '../main/common/views-matrix.js';

test('a row per member, a column per agent; a row differs when the agents that answered disagree', () => {
  const m = viewsMatrix([
    {
      agent: 'agent-one',
      members: [
        { name: 'agent-one', status: 'alive' },
        { name: 'agent-two', status: 'failed' },
      ],
    },
    {
      agent: 'agent-client',
      members: [
        { name: 'agent-one', status: 'alive' },
        { name: 'agent-two', status: 'alive' },
      ],
    },
    { agent: 'agent-two', members: null },
  ]);
  assert.deepEqual(m.agents, [
    { name: 'agent-one', answered: true },
    { name: 'agent-client', answered: true },
    { name: 'agent-two', answered: false },
  ]);
  assert.deepEqual(m.rows, [
    { member: 'agent-one', cells: ['alive', 'alive', null], differs: false },
    { member: 'agent-two', cells: ['failed', 'alive', null], differs: true },
  ]);
});

test('a member one agent has never heard of differs too', () => {
  const m = viewsMatrix([
    { agent: 'a', members: [{ name: 'x', status: 'alive' }] },
    { agent: 'b', members: [] },
  ]);
  assert.deepEqual(m.rows, [{ member: 'x', cells: ['alive', null], differs: true }]);
});
