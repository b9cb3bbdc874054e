/** Which agent serves a request (KV, members, Greeter calls, the lab's picture), and why one cannot. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_AGENT } from '../main/common/contract.js';
import { InputError } from '../main/common/names.js';
import { servingAgent, servingOrder, unavailable, type AgentState } from '../main/engine/lab/serving.js';

const one: AgentState = { name: 'agent-one', role: 'server', process: 'running' };
const two: AgentState = { name: 'agent-two', role: 'server', process: 'running' };
const client: AgentState = { name: 'agent-client', role: 'client', process: 'running' };
const client2: AgentState = { name: 'agent-client-2', role: 'client', process: 'running' };

test("clients first, then servers, each in the lab's order; only agents that run and answer", () => {
  const names = (agents: AgentState[]) => agents.map((a) => a.name);
  assert.deepEqual(names(servingOrder([one, two, client, client2])), ['agent-client', 'agent-client-2', 'agent-one', 'agent-two']);
  const some = [one, { ...two, process: 'paused' as const }, { ...client, process: 'stopped' as const }, { ...client2, apiUp: false }];
  assert.deepEqual(names(servingOrder(some)), ['agent-one']);
  assert.equal(servingAgent(some).name, 'agent-one');
  assert.equal(servingAgent([one, { ...client, apiUp: true }]).name, 'agent-client', 'an API known to answer counts');
});

test('the agent named serves, if it can, even when another comes first', () => {
  assert.equal(servingAgent([one, client], 'agent-one').name, 'agent-one');
});

test('a named agent that cannot serve is refused in the one wording; none at all, with NO_AGENT', () => {
  const refused = (agents: AgentState[], named: string | undefined, why: RegExp | string) =>
    assert.throws(
      () => servingAgent(agents, named),
      (err: Error) => {
        assert.ok(named === undefined ? !(err instanceof InputError) : err instanceof InputError, 'a named agent: bad input');
        if (typeof why === 'string') assert.equal(err.message, why);
        else assert.match(err.message, why);
        return true;
      },
    );
  const stopped = 'cannot use agent-client: its agent is not running (stopped); rejoin it first';
  refused([one, { ...client, process: 'stopped' }], 'agent-client', stopped);
  refused([{ ...one, process: 'paused' }], 'agent-one', 'cannot use agent-one: its agent is paused; resume it first');
  refused([{ ...one, apiUp: false }], 'agent-one', 'cannot use agent-one: its agent runs but its HTTP API does not answer');
  refused([one], 'agent-nine', /^unknown node "agent-nine": this lab has agent-one$/);
  refused(
    [
      { ...one, process: 'stopped' },
      { ...client, process: 'paused' },
    ],
    undefined,
    NO_AGENT,
  );
  refused([], undefined, NO_AGENT);
});

test('the same words for an operation that needs the agent', () => {
  assert.equal(unavailable(one, 'leave'), null);
  const leave = unavailable({ ...one, process: 'stopped' }, 'leave');
  assert.equal(leave, 'cannot leave agent-one: its agent is not running (stopped); rejoin it first');
  const greeter = unavailable({ ...client, process: 'paused' }, 'start a greeter on');
  assert.equal(greeter, 'cannot start a greeter on agent-client: its agent is paused; resume it first');
});
