// The tutorial's cluster through the CLI, on real Consul agents: up, members, KV across nodes, kill and
// quorum loss, rejoin, pause/resume, leave, down with nothing left, up again with data kept, destroy.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { busyEndpoints } from '../main/engine/process/ports.js';
import { endpointsOf } from '../main/engine/providers/host.js';
import { makeSpec } from '../main/engine/lab/spec.js';
import { cli, eventually, tempDir, processesMentioning } from './helpers.js';

const SUBNET = '127.0.1';
const lab = join(tempDir(), 'lab');
const run = (...args: string[]) => cli([...args, '--lab', lab]);

async function status() {
  const r = await run('status', '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { leader: string | null; members: { name: string; address: string; status: string; role: string }[] };
}

const statusOf = async (name: string) => (await status()).members.find((m) => m.name === name)?.status;

describe('the tutorial, by CLI', () => {
  before(async () => {
    const r = await cli(['up', '--lab', lab, '--subnet', SUBNET]);
    assert.equal(r.code, 0, `up failed: ${r.stderr}`);
    assert.match(r.stderr, /Elect a leader/);
  });
  after(async () => {
    await run('destroy');
  });

  test('up gives a leader and three alive members with their roles', async () => {
    const s = await status();
    assert.ok(s.leader === 'agent-one' || s.leader === 'agent-two', `leader is ${s.leader}`);
    assert.deepEqual(
      s.members.map((m) => [m.name, m.address, m.status, m.role]),
      [
        ['agent-client', `${SUBNET}.20`, 'alive', 'client'],
        ['agent-one', `${SUBNET}.10`, 'alive', 'server'],
        ['agent-two', `${SUBNET}.11`, 'alive', 'server'],
      ],
    );
  });

  test('up on a lab that is already up is refused', async () => {
    const r = await run('up');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is already up \(agent-one, agent-two, agent-client running\)/);
  });

  test('kv put through the client is read back on a server', async () => {
    const put = await run('kv', 'put', 'hello', 'world', '--node', 'agent-client');
    assert.equal(put.code, 0, put.stderr);
    const get = await run('kv', 'get', 'hello', '--node', 'agent-one');
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, 'world\n');
  });

  test('kill agent-two: failed, quorum lost, writes refused in plain words; rejoin brings it all back', async () => {
    assert.equal((await run('kill', 'agent-two')).code, 0);
    const t0 = Date.now();
    await eventually('agent-two failed', 15_000, async () => (await statusOf('agent-two')) === 'failed');
    assert.ok(Date.now() - t0 < 15_000);
    const put = await run('kv', 'put', 'during', 'outage');
    assert.equal(put.code, 1);
    assert.match(put.stderr, /no cluster leader: quorum lost \(1 of 2 servers alive\)/);
    const rejoin = await run('rejoin', 'agent-two');
    assert.equal(rejoin.code, 0, rejoin.stderr);
    await eventually('agent-two alive with a leader', 15_000, async () => {
      const s = await status();
      return s.members.find((m) => m.name === 'agent-two')?.status === 'alive' && s.leader !== null;
    });
    assert.equal((await run('kv', 'put', 'after', 'rejoin')).code, 0);
    assert.equal((await run('kv', 'get', 'after', '--node', 'agent-two')).stdout, 'rejoin\n');
    // Rejoined with -ui, as in the tutorial: the node serves the web UI.
    const ui = await fetch(`http://${SUBNET}.11:8500/ui/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /Consul/);
  });

  test('pause shows failed, resume shows alive', async () => {
    assert.equal((await run('pause', 'agent-client')).code, 0);
    await eventually('agent-client failed', 20_000, async () => {
      const r = await run('status', '--json');
      return (
        (JSON.parse(r.stdout) as Awaited<ReturnType<typeof status>>).members.find((m) => m.name === 'agent-client')?.status === 'failed'
      );
    });
    assert.equal((await run('resume', 'agent-client')).code, 0);
    await eventually('agent-client alive', 20_000, async () => (await statusOf('agent-client')) === 'alive');
  });

  test('leave shows left', async () => {
    assert.equal((await run('leave', 'agent-client')).code, 0);
    await eventually('agent-client left', 10_000, async () => (await statusOf('agent-client')) === 'left');
    assert.equal((await run('rejoin', 'agent-client')).code, 0);
    await eventually('agent-client alive again', 15_000, async () => (await statusOf('agent-client')) === 'alive');
  });

  test('down leaves no process and frees the ports; up again keeps the data', async () => {
    const down = await run('down');
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(processesMentioning([lab]), []);
    const spec = makeSpec({ subnet: SUBNET });
    assert.deepEqual(await busyEndpoints(spec.nodes.flatMap((n) => endpointsOf(spec, n))), []);
    const up = await run('up');
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await run('kv', 'get', 'hello', '--node', 'agent-two')).stdout, 'world\n');
  });

  test('destroy stops everything and removes the lab', async () => {
    const r = await run('destroy');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(lab), false);
    assert.deepEqual(processesMentioning([lab]), []);
  });
});
