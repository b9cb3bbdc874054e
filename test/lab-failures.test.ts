// Fault tolerance with three servers, and crash safety: a CLI killed in the middle of `up`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Lab } from '../main/engine/lab.js';
import { CLI, cleanup, cli, eventually, tempDir, tempLab, processesMentioning } from './helpers.js';

describe('three servers', () => {
  test('killing the leader elects a new one within 15 s and keeps the data', async () => {
    const lab = tempLab({ subnet: '127.0.2', servers: 3, clients: 1 });
    try {
      const up = await lab.up();
      assert.equal(up.raft?.tolerates, 1);
      await lab.kvPut('before/kill', 'kept');
      const old = up.leader!;
      assert.ok(old);
      await lab.kill(old);
      const t0 = Date.now();
      const next = await eventually('a new leader', 15_000, async () => {
        const s = await lab.snapshot();
        return s.leader && s.leader !== old ? s.leader : null;
      });
      assert.ok(Date.now() - t0 < 15_000);
      assert.notEqual(next, old);
      assert.equal((await lab.kvGet('before/kill')).value, 'kept');
    } finally {
      await cleanup(lab);
    }
  });
});

describe('crash safety', () => {
  test('a CLI SIGKILLed in the middle of up leaves agents that the next status and down find', async () => {
    const dir = join(tempDir(), 'lab');
    const child = spawn(process.execPath, [CLI, 'up', '--lab', dir, '--subnet', '127.0.3'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    // Kill it once the servers are running, before it finishes.
    await eventually('servers started', 30_000, async () => /Start servers .*\n✓|Join servers/.test(err));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    assert.ok(processesMentioning([dir]).length > 0, 'the killed CLI left agents running');

    const status = await cli(['status', '--json', '--lab', dir]);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { nodes: { name: string; process: string }[] };
    assert.equal(s.nodes.find((n) => n.name === 'agent-one')?.process, 'running');

    // The lock the killed CLI held is taken over: down works and verifies nothing is left.
    const down = await cli(['down', '--lab', dir]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(processesMentioning([dir]), []);
    assert.equal((await cli(['destroy', '--lab', dir])).code, 0);
    assert.equal(existsSync(dir), false);
  });

  test('an agent whose run record was lost is still found and stopped by down', async () => {
    const lab = tempLab({ subnet: '127.0.4', servers: 1, clients: 0 });
    try {
      await lab.up();
      const { rmSync, readdirSync } = await import('node:fs');
      for (const f of readdirSync(lab.dir.runDir)) if (f.endsWith('.json')) rmSync(join(lab.dir.runDir, f));
      assert.ok(lab.leftovers().length > 0);
      await new Lab({ dir: lab.dir.root }).down();
      assert.deepEqual(lab.leftovers(), []);
    } finally {
      await cleanup(lab);
    }
  });
});
