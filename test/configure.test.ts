// Lab settings through the doors' handlers on a real session: a new topology before the first up (three
// servers tolerate one failure), refused once the lab is up; and the vagrant lab's Vagrantfile, read and edited.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MUST_DESTROY, NO_VAGRANTFILE } from '../main/common/contract.js';
import type { ClusterSnapshot } from '../main/common/types.js';
import { createHandlers, dispatch } from '../main/doors/handlers.js';
import { Lab } from '../main/engine/lab.js';
import { LabSession } from '../main/engine/session.js';
import { eventually, tempDir } from './helpers.js';

function open(subnet?: string) {
  const root = tempDir();
  const session = new LabSession(new Lab({ dir: join(root, 'lab'), ...(subnet ? { subnet } : {}) }));
  const call = (op: string, args: unknown = {}) => dispatch(createHandlers(session), op, args);
  const close = async () => {
    try {
      await session.close(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  return { session, call, close };
}

describe('lab settings on a local lab', () => {
  const { session, call, close } = open('127.0.12');
  after(close);

  test('invalid settings are refused at the door, and nothing changes', async () => {
    await assert.rejects(call('configure', { servers: 0, clients: 1, provider: 'local' }), /servers must be a whole number from 1 to 7/);
    await assert.rejects(call('configure', { servers: 3, clients: 51, provider: 'local' }), /clients must be a whole number from 0 to 50/);
    await assert.rejects(call('configure', { servers: 3, clients: 1, provider: 'docker' }), /provider/);
    await assert.rejects(call('configure', { servers: 3, clients: 1, provider: 'local', subnet: '10.0' }), /invalid subnet/);
    await assert.rejects(call('configure', { servers: 3, clients: 1, provider: 'local', extra: 1 }), /Unrecognized key/);
    await assert.rejects(
      call('configure', { servers: 3, clients: 1, provider: 'vagrant', vagrant: { provider: 'hyperv' } }),
      /vagrant\.provider/,
    );
    assert.equal(session.lab.spec.nodes.length, 3);
  });

  test('the local provider has no Vagrantfile', async () => {
    await assert.rejects(call('vagrantfileGet'), new RegExp(NO_VAGRANTFILE));
    await assert.rejects(call('vagrantfilePut', { text: "Vagrant.configure('2') do |c| end\n" }), new RegExp(NO_VAGRANTFILE));
  });

  test('3 servers + 1 client, then up: three servers alive and raft tolerates one failure', async () => {
    const seen: ClusterSnapshot[] = [];
    const off = session.events.on((e) => e.type === 'snapshot' && seen.push(e.snapshot));
    const snap = (await call('configure', { servers: 3, clients: 1, provider: 'local', subnet: '127.0.12' })) as ClusterSnapshot;
    off();
    assert.deepEqual(
      snap.lab.nodes.map((n) => [n.name, n.role, n.address]),
      [
        ['agent-one', 'server', '127.0.12.10'],
        ['agent-two', 'server', '127.0.12.11'],
        ['agent-three', 'server', '127.0.12.12'],
        ['agent-client', 'client', '127.0.12.20'],
      ],
    );
    assert.equal(snap.created, false);
    assert.ok(
      seen.some((s) => s.lab.nodes.length === 4),
      'the new topology is announced as a snapshot event',
    );

    const up = (await call('up')) as ClusterSnapshot;
    assert.equal(up.created, true);
    const servers = up.members.filter((m) => m.role === 'server');
    assert.deepEqual(
      servers.map((m) => m.status),
      ['alive', 'alive', 'alive'],
    );
    const raft = await eventually('three raft voters', 30_000, async () => {
      const r = ((await call('snapshot')) as ClusterSnapshot).raft;
      return r && r.voters.length === 3 ? r : null;
    });
    assert.equal(raft.tolerates, 1);
    assert.ok(((await call('history')) as { type: string; op?: string }[]).some((e) => e.type === 'action' && e.op === 'configure'));
  });

  test('once up, settings are refused with the destroy-first words, and nothing changes', async () => {
    const before = session.lab;
    await assert.rejects(call('configure', { servers: 5, clients: 0, provider: 'local' }), new RegExp(MUST_DESTROY));
    assert.equal(session.lab, before);
    assert.equal(session.lab.spec.nodes.length, 4);
    assert.equal(JSON.parse(readFileSync(session.lab.dir.specFile, 'utf8')).spec.nodes.length, 4);
    assert.equal((await session.lab.running()).length, 4);
  });
});

describe('the Vagrantfile of a vagrant lab never brought up', () => {
  const { session, call, close } = open();
  after(close);
  const valid = (text: string) => text.replace('vb.memory = 512', 'vb.memory = 1024');

  test('configure to vagrant, then vagrantfileGet generates the Vagrantfile with the chosen box', async () => {
    await call('configure', { servers: 3, clients: 1, provider: 'vagrant', vagrant: { provider: 'virtualbox', box: 'debian/bookworm64' } });
    assert.equal(session.lab.spec.provider, 'vagrant');
    const got = (await call('vagrantfileGet')) as { path: string; text: string };
    assert.equal(got.path, join(session.lab.dir.root, 'Vagrantfile'));
    assert.match(got.text, /config\.vm\.box = 'debian\/bookworm64'/);
    for (const m of ['n1', 'n2', 'n3']) assert.match(got.text, new RegExp(`config\\.vm\\.define '${m}'`));
    assert.equal(readFileSync(got.path, 'utf8'), got.text);
    assert.equal(session.lab.dir.marker()?.state, 'configured', 'reading the Vagrantfile makes the folder a lab, not brought up');
    assert.equal(((await call('snapshot')) as ClusterSnapshot).created, false);
  });

  const noRuby = spawnSync('ruby', ['--version']).error ? 'ruby is not installed (npm test installs it as root or with sudo)' : false;
  test('a syntax error is refused (ruby -c) and the file is unchanged', { skip: noRuby }, async () => {
    const before = ((await call('vagrantfileGet')) as { text: string }).text;
    await assert.rejects(
      call('vagrantfilePut', { text: before.replace(/end\s*$/, '') }),
      /not saved: ruby -c finds a syntax error: Vagrantfile:\d+/,
    );
    assert.equal(((await call('vagrantfileGet')) as { text: string }).text, before);
  });

  test('a valid edit is saved and read back; too large a text is refused at the door', async () => {
    const before = ((await call('vagrantfileGet')) as { text: string }).text;
    const edited = valid(before);
    assert.notEqual(edited, before);
    assert.equal(((await call('vagrantfilePut', { text: edited })) as { text: string }).text, edited);
    assert.equal(((await call('vagrantfileGet')) as { text: string }).text, edited);
    await assert.rejects(call('vagrantfilePut', { text: 'x'.repeat(256 * 1024 + 1) }), /at most 256 KiB/);
  });

  test('another topology keeps an edited Vagrantfile, and regenerates an unedited one', async () => {
    const edited = ((await call('vagrantfileGet')) as { text: string }).text;
    await call('configure', { servers: 1, clients: 1, provider: 'vagrant' });
    assert.equal(((await call('vagrantfileGet')) as { text: string }).text, edited);
    rmSync(join(session.lab.dir.root, 'Vagrantfile'));
    const fresh = ((await call('vagrantfileGet')) as { text: string }).text;
    assert.doesNotMatch(fresh, /define 'n2'/);
    await call('configure', { servers: 2, clients: 1, provider: 'vagrant' });
    assert.match(((await call('vagrantfileGet')) as { text: string }).text, /define 'n2'/);
  });
});
