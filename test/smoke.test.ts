// Foundation smoke test: one real consul agent (a server, not -dev) on 127.0.0.10 with its own data dir
// elects itself, serves a KV PUT and GET over HTTP, and is stopped with nothing left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveConsul } from '../main/engine/consul/resolve.js';
import { procState, terminate } from '../main/engine/process/procs.js';
import { eventually, processesMentioning } from './helpers.js';

test('a real consul agent elects itself, stores a key, and stops without leftovers', async () => {
  const consul = await resolveConsul();
  const dir = mkdtempSync(join(tmpdir(), 'consul-smoke-'));
  const child = spawn(
    consul.path,
    [
      'agent',
      '-server',
      '-bootstrap-expect=1',
      `-data-dir=${join(dir, 'data')}`,
      '-node=smoke',
      '-bind=127.0.0.10',
      '-client=127.0.0.10',
      '-hcl=disable_update_check = true',
      '-hcl=performance { raft_multiplier = 1 }',
    ],
    { stdio: 'ignore' },
  );
  try {
    const api = 'http://127.0.0.10:8500';
    const leader = await eventually('a leader', 30_000, async () => (await (await fetch(`${api}/v1/status/leader`)).json()) as string);
    assert.equal(leader, '127.0.0.10:8300');
    const put = await fetch(`${api}/v1/kv/smoke/hello`, { method: 'PUT', body: 'world' });
    assert.equal(await put.text(), 'true');
    const [row] = (await (await fetch(`${api}/v1/kv/smoke/hello`)).json()) as { Value: string }[];
    assert.equal(Buffer.from(row!.Value, 'base64').toString(), 'world');
  } finally {
    await terminate(child.pid!);
  }
  assert.equal(procState(child.pid!), 'gone');
  assert.deepEqual(processesMentioning([dir]), [], 'no process of the smoke test is left');
  rmSync(dir, { recursive: true, force: true });
});
