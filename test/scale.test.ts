// Labs for learning gossip: up to 7 servers and 50 clients on the local provider; 5 servers + 20 clients come
// up to all-alive with one command, and go down leaving nothing. Real Consul agents.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeSpec } from '../main/engine/lab/spec.js';
import { cli, eventually, processesMentioning, tempDir } from './helpers.js';

test('5 servers and 20 clients: one up, 25 alive members, 5 raft voters; down leaves nothing', async () => {
  const lab = join(tempDir(), 'lab');
  try {
    const up = await cli(['up', '--lab', lab, '--subnet', '127.0.49', '--servers', '5', '--clients', '20']);
    assert.equal(up.code, 0, up.stderr);
    type Status = { members: { name: string; status: string; address: string }[]; raft: { voters: string[]; tolerates: number } };
    // up waits until agent-one sees all 25 alive; the client that status asks may hear of the last joins a moment later.
    const s = await eventually('25 alive members as status sees them', 10_000, async () => {
      const now = JSON.parse((await cli(['status', '--json', '--lab', lab])).stdout) as Status;
      return now.members.length === 25 && now.members.every((m) => m.status === 'alive') ? now : null;
    });
    assert.equal(s.raft.voters.length, 5);
    assert.equal(s.raft.tolerates, 2);
    const byName = Object.fromEntries(s.members.map((m) => [m.name, m.address]));
    assert.equal(byName['agent-five'], '127.0.49.14');
    assert.equal(byName['agent-client-20'], '127.0.49.39');
  } finally {
    assert.equal((await cli(['destroy', '--lab', lab])).code, 0);
  }
  assert.deepEqual(processesMentioning([lab]), []);
});

test('the limits: 7 servers and 50 clients (one client with VMs); addresses and port sets stay distinct', async () => {
  const big = makeSpec({ servers: 7, clients: 50, subnet: '127.0.50' });
  assert.equal(big.nodes.length, 57);
  assert.equal(new Set(big.nodes.map((n) => n.address)).size, 57);
  const mac = makeSpec({ servers: 7, clients: 50, portSets: true });
  const ports = mac.nodes.flatMap((n) => Object.values(n.ports));
  assert.equal(new Set(ports).size, ports.length, 'every port of every node is its own');
  const lab = join(tempDir(), 'lab');
  for (const [args, why] of [
    [['--servers', '8'], /--servers must be a whole number from 1 to 7, got 8/],
    [['--clients', '51'], /--clients must be a whole number from 0 to 50, got 51/],
    [['--provider', 'vagrant', '--clients', '2'], /--clients must be a whole number from 0 to 1 with the vagrant provider/],
  ] as const) {
    const r = await cli(['up', '--lab', lab, ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, why);
  }
});
