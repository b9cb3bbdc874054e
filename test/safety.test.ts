// Nothing harmed, nothing lost: destroy and down act only on labs (and never on /, the home folder or anyone
// else's files or processes); concurrent and interrupted commands leave one consistent lab; bad options are
// refused before anything is created. Real Consul agents, the real CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LabDir } from '../main/engine/lab/labdir.js';
import { newMarker } from '../main/engine/lab/marker.js';
import { makeSpec } from '../main/engine/lab/spec.js';
import { sameProcess, signal, terminate } from '../main/engine/process/procs.js';
import { CLI, ROOT, cli, eventually, processesMentioning, tempDir, type CliResult } from './helpers.js';

const OBSERVER = join(ROOT, 'test', 'fixtures', 'observe-harm.mjs');

/** The CLI with every deletion and signal recorded (and not carried out): what it tried, and how it ended. */
async function observedCli(args: string[], env: Record<string, string> = {}): Promise<CliResult & { harm: string[] }> {
  const log = join(tempDir('observe-'), 'harm.log');
  writeFileSync(log, '');
  const r = await cli(args, { ...env, OBSERVE_HARM_LOG: log }, ['--import', OBSERVER]);
  return { ...r, harm: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/** A process that is not the lab's, whose command line names the lab's paths (as an editor or a tail might). */
function bystander(...paths: string[]): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', ...paths], { stdio: 'ignore', detached: true });
  child.unref();
  return child.pid!;
}

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('destroy and down act only on a lab', () => {
  for (const entry of ['run', 'nodes', 'vm', 'Vagrantfile']) {
    test(`a folder holding ${entry} but no marker is refused by destroy and down, and nothing in it changes`, async () => {
      const dir = tempDir();
      if (entry === 'Vagrantfile') writeFileSync(join(dir, entry), "Vagrant.configure('2') { }\n");
      else mkdirSync(join(dir, entry, 'inner'), { recursive: true });
      writeFileSync(join(dir, 'thesis.tex'), 'precious');
      const before = listing(dir);
      const pid = bystander(join(dir, 'run', 'agent-agent-one.json'), `${join(dir, 'nodes')}/`);
      try {
        for (const cmd of ['destroy', 'down']) {
          const r = await observedCli([cmd, '--lab', dir]);
          assert.equal(r.code, 2, r.stderr);
          assert.match(r.stderr, /(is not a lab|there is no lab at .*) \(no lab\.json made by Consul Lab\)/);
          assert.deepEqual(r.harm, [], `${cmd} deleted or signalled nothing`);
        }
        assert.deepEqual(listing(dir), before);
        assert.equal(readFileSync(join(dir, 'thesis.tex'), 'utf8'), 'precious');
        assert.ok(sameProcess(pid, (await import('../main/engine/process/procs.js')).startTime(pid)), 'the bystander lives');
      } finally {
        signal(pid, 'SIGKILL');
      }
    });
  }

  test('/ is refused before any deletion or signal, by destroy and by down', async () => {
    for (const cmd of ['destroy', 'down']) {
      const r = await observedCli([cmd, '--lab', '/']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /refusing to (destroy|down) \/: it is the root folder, never a lab/);
      assert.deepEqual(r.harm, []);
    }
  });

  test('the home folder (and above it) is refused even when it holds a lab marker', async () => {
    const home = join(tempDir(), 'home', 'ada');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'lab.json'), JSON.stringify(newMarker(makeSpec({ subnet: '127.0.42' }), 'created', false)));
    writeFileSync(join(home, 'notes.txt'), 'mine');
    mkdirSync(join(home, 'run'));
    const before = listing(home);
    for (const lab of [home, join(home, '..')]) {
      const r = await observedCli(['destroy', '--lab', lab], { HOME: home });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, lab === home ? /it is your home folder, never a lab/ : /it is above your home folder, never a lab/);
      assert.deepEqual(r.harm, []);
    }
    assert.deepEqual(listing(home), before);
  });
});

describe('a real lab: only its own processes and files', () => {
  const root = tempDir();
  const lab = join(root, 'lab');
  const run = (...args: string[]) => cli([...args, '--lab', lab, '--subnet', '127.0.42', '--servers', '1', '--clients', '0']);
  after(async () => {
    await cli(['down', '--lab', lab]);
    for (const p of processesMentioning([lab])) await terminate(p.pid, 2000);
  });

  test("down stops the lab but not a process that merely names the lab's paths", async () => {
    assert.equal((await run('up')).code, 0);
    const pid = bystander(join(lab, 'run', 'agent-agent-one.json'), `${join(lab, 'nodes', 'agent-one')}/`);
    try {
      const down = await cli(['down', '--lab', lab]);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(
        processesMentioning([lab]).map((p) => p.pid),
        [pid],
        'only the bystander is left',
      );
    } finally {
      signal(pid, 'SIGKILL');
    }
  });

  test('destroy refuses a lab that holds files Consul Lab did not make, naming them, and stops nothing', async () => {
    assert.equal((await run('up')).code, 0);
    writeFileSync(join(lab, 'notes.txt'), 'mine');
    const r = await observedCli(['destroy', '--lab', lab]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /holds files Consul Lab did not make \(notes\.txt\): not deleting anything; move them out, then destroy again/);
    assert.deepEqual(r.harm, []);
    const status = JSON.parse((await cli(['status', '--json', '--lab', lab])).stdout);
    assert.equal(status.members[0].status, 'alive', 'the lab still runs');
  });

  test('once they are moved out, destroy removes the lab and the folder it made; a folder the user made is kept, empty', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(join(lab, 'notes.txt'));
    const r = await cli(['destroy', '--lab', lab]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(lab), false);
    assert.deepEqual(processesMentioning([lab]), []);

    const mine = join(root, 'mine');
    mkdirSync(mine);
    assert.equal((await cli(['up', '--lab', mine, '--subnet', '127.0.42', '--servers', '1', '--clients', '0'])).code, 0);
    assert.equal((await cli(['destroy', '--lab', mine])).code, 0);
    assert.deepEqual(readdirSync(mine), []);
  });
});

/** Every agent with a run record has its supervisor, the one recorded, alive, and a log written since `since`. */
function supervised(dir: LabDir, names: string[], since: number): string[] {
  const problems: string[] = [];
  for (const name of names) {
    const rec = dir.liveRun('agent', name);
    if (!rec) continue;
    if (!sameProcess(rec.supervisorPid, rec.supervisorStartTime)) problems.push(`${name}'s supervisor ${rec.supervisorPid} is gone`);
    const log = dir.logFile(name);
    if (!existsSync(log) || statSync(log).mtimeMs < since) problems.push(`${name}'s log was not written`);
  }
  return problems;
}

describe('interrupted and concurrent commands', () => {
  const names = ['agent-one', 'agent-two', 'agent-client'];

  test('10 rounds: the CLI SIGKILLed in the middle of up, then up again: supervisors live and logs are written', async () => {
    const lab = join(tempDir(), 'lab');
    const dir = new LabDir(lab);
    try {
      for (let round = 0; round < 10; round++) {
        const since = Date.now() - 1000;
        const child = spawn(process.execPath, [CLI, 'up', '--lab', lab, '--subnet', '127.0.43'], { stdio: ['ignore', 'ignore', 'pipe'] });
        // Killed at a different moment each round: while the servers start, join, or elect.
        const at = ['Start servers', 'Join servers', 'Elect a leader', 'Start clients'][round % 4]!;
        await new Promise<void>((resolve) => {
          let err = '';
          child.stderr.on('data', (d) => {
            err += d;
            if (err.includes(`… ${at}`)) resolve();
          });
          child.on('close', () => resolve());
        });
        child.kill('SIGKILL');
        const again = await cli(['up', '--lab', lab]);
        assert.ok(again.code === 0 || /is already up/.test(again.stderr), `round ${round}: ${again.stderr}`);
        assert.deepEqual(supervised(dir, names, since), [], `round ${round}`);
        const status = await cli(['status', '--json', '--lab', lab]);
        assert.equal(status.code, 0, status.stderr);
        const down = await cli(['down', '--lab', lab]);
        assert.equal(down.code, 0, `round ${round}: ${down.stderr}`);
        assert.deepEqual(processesMentioning([lab]), [], `round ${round}: nothing left after down`);
      }
    } finally {
      await cli(['down', '--lab', lab]);
    }
  });

  test('two up at once, 10 times: exactly one lab up, one clear refusal, no stray agent', async () => {
    for (let round = 0; round < 10; round++) {
      const lab = join(tempDir(), 'lab');
      try {
        const [a, b] = await Promise.all([
          cli(['up', '--lab', lab, '--subnet', '127.0.45']),
          cli(['up', '--lab', lab, '--subnet', '127.0.45']),
        ]);
        const ok = [a, b].filter((r) => r.code === 0);
        const refused = [a, b].filter((r) => r.code !== 0);
        assert.equal(ok.length, 1, `round ${round}: one up succeeds (${a.stderr} | ${b.stderr})`);
        assert.match(refused[0]!.stderr, /is busy: process \d+ is running "up"|is already up/, `round ${round}`);
        const status = JSON.parse((await cli(['status', '--json', '--lab', lab])).stdout);
        assert.deepEqual(
          status.members.map((m: { status: string }) => m.status),
          ['alive', 'alive', 'alive'],
          `round ${round}`,
        );
        const agents = processesMentioning([lab]).filter((p) => p.argv[1] === 'agent');
        assert.equal(agents.length, 3, `round ${round}: one agent per node`);
      } finally {
        assert.equal((await cli(['destroy', '--lab', lab])).code, 0);
      }
      assert.deepEqual(processesMentioning([lab]), []);
    }
  });
});

describe('options are checked before anything is created', () => {
  test('--subnet must be loopback', async () => {
    for (const subnet of ['10.0.0', '8.8.8', '0.0.0', '172.20.20']) {
      const lab = join(tempDir(), 'lab');
      const r = await cli(['up', '--lab', lab, '--subnet', subnet]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`invalid subnet "${subnet.replace(/\./g, '\\.')}": .* must be 127\\.X\\.Y`));
      assert.equal(existsSync(lab), false);
    }
  });

  test('an option missing its value is an error, and nothing is created', async () => {
    const home = tempDir();
    const r = await cli(['kill', '--node', '--lab', join(home, 'x')], { CONSUL_LAB_HOME: home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--node needs a value, but is followed by the option --lab: write --node VALUE/);
    assert.deepEqual(readdirSync(home), []);
  });

  test('a mistyped --lab is never created by a failing command', async () => {
    const base = tempDir();
    const typo = join(base, 'a', 'typo', 'path');
    for (const args of [
      ['kill', 'agent-one'],
      ['down'],
      ['leave', 'agent-two'],
      ['kv', 'get', 'hello'],
      ['status'],
      ['logs', 'agent-one'],
    ]) {
      await cli([...args, '--lab', typo]);
      assert.deepEqual(readdirSync(base), [], `${args.join(' ')} created nothing`);
    }
    const r = await cli(['kill', 'agent-one', '--lab', typo]);
    assert.match(r.stderr, /there is no lab at .*typo\/path \(no lab\.json made by Consul Lab\): run up first, or pass the right --lab/);
  });
});

describe('the preflight checks every port an agent binds', () => {
  test('a busy serf WAN port (udp) is named, and the failed first up leaves no folder behind', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(8302, '127.0.44.10', r));
    try {
      const lab = join(tempDir(), 'lab');
      const r = await cli(['up', '--lab', lab, '--subnet', '127.0.44']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /127\.0\.44\.10:8302\/udp \(agent-one serf WAN\) is already in use/);
      assert.equal(existsSync(lab), false);
      assert.deepEqual(processesMentioning([lab]), []);
    } finally {
      sock.close();
    }
  });

  test('ports the agents do not bind (gRPC TLS 8503) do not stop a lab', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(8503, '127.0.44.10', r));
    const lab = join(tempDir(), 'lab');
    try {
      const r = await cli(['up', '--lab', lab, '--subnet', '127.0.44', '--servers', '1', '--clients', '0']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await cli(['destroy', '--lab', lab]);
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});

describe('logs --follow', () => {
  test('follows the agent log through a rotation, losing nothing', async () => {
    const lab = join(tempDir(), 'lab');
    const dir = new LabDir(lab);
    dir.claim(makeSpec({ subnet: '127.0.44' }), 'configured');
    const log = dir.logFile('agent-one');
    mkdirSync(join(log, '..'), { recursive: true });
    writeFileSync(log, 'line 0\n');
    const child = spawn(process.execPath, [CLI, 'logs', 'agent-one', '--follow', '--lab', lab], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    try {
      await eventually('the log so far', 10_000, async () => out.includes('line 0'));
      const { appendFileSync, renameSync } = await import('node:fs');
      for (let i = 1; i <= 200; i++) {
        appendFileSync(log, `line ${i}\n`);
        if (i % 50 === 0) {
          renameSync(log, `${log}.1`); // as the supervisor rotates: the old file moves away, a new one starts
          writeFileSync(log, '');
        }
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 30));
      }
      await eventually('every line', 10_000, async () => out.includes('line 200\n'));
      const lines = out.split('\n').filter((l) => l.startsWith('line '));
      assert.deepEqual(
        lines,
        Array.from({ length: 201 }, (_, i) => `line ${i}`),
      );
      assert.equal(child.exitCode, null, `still following: ${err}`);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('close', r));
    }
    assert.equal(err, '');
  });
});
