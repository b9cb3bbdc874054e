/**
 * The vagrant provider end to end, with real Vagrant and vagrant-lxc (no mocks): the tutorial's n1 and n2 as
 * LXC containers from a Debian box built here with debootstrap (cached), on a bridge labbr0 (172.20.20.1/24)
 * that this test creates and removes. Needs root, vagrant, vagrant-lxc and LXC (scripts/vagrant/install-host.sh);
 * otherwise it is skipped with the reason. One vagrant test lab at a time.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lxcBoxFile } from '../main/engine/providers/vagrant/options.js';
import { ROOT, cli, eventually, tempDir, type CliResult } from './helpers.js';
import { containersOf, vagrantSkipReason } from './vagrant-env.js';

const LXC = { CONSUL_LAB_VAGRANT_PROVIDER: 'lxc' };

const skip = vagrantSkipReason();
if (skip) console.log(`# vagrant tests skipped: ${skip}`);

const work = skip ? '' : tempDir('consul-lab-vagrant-');
const bridgeState = join(work, 'bridges.state');
let labSeq = 0;
/** A fresh lab directory. */
function labDir(): string {
  const d = join(work, `vlab${process.pid}x${++labSeq}`);
  mkdirSync(work, { recursive: true });
  return d;
}
function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what} failed:\n${r.stderr}\n${r.stdout}`);
  return r;
}
async function status(dir: string) {
  const r = ok(await cli(['status', '--lab', dir, '--json'], LXC), 'status');
  return JSON.parse(r.stdout) as {
    leader: string | null;
    members: { name: string; status: string }[];
    nodes: { name: string; process: string; apiUp: boolean; machine: { name: string; state: string } | null; pid: number | null }[];
  };
}
const labs: string[] = [];
const timings: Record<string, number> = {};
async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = (Date.now() - t) / 1000;
    console.log(`# ${what}: ${timings[what]!.toFixed(1)} s`);
  }
}

before(async () => {
  if (skip) return;
  // The box goes where the provider looks for it (the tool cache, which CONSUL_LAB_CACHE may move).
  const box = lxcBoxFile();
  await timed(existsSync(box) ? 'box (cached)' : 'box build (debootstrap)', async () => {
    execFileSync(join(ROOT, 'scripts', 'vagrant', 'build-box.sh'), [box], { stdio: 'inherit' });
  });
});

/** The bridges, made when a test first needs them: the first test runs without a private network. */
let bridgeUp = false;
function bridge(): void {
  if (bridgeUp) return;
  execFileSync(join(ROOT, 'scripts', 'vagrant', 'bridge.sh'), ['up', bridgeState], { stdio: 'inherit' });
  bridgeUp = true;
}

after(async () => {
  if (skip) return;
  for (const dir of labs) {
    if (existsSync(dir)) await cli(['destroy', '--lab', dir], LXC);
    for (const c of containersOf(dir)) spawnSync('lxc-destroy', ['-f', '-n', c]);
  }
  if (bridgeUp) execFileSync(join(ROOT, 'scripts', 'vagrant', 'bridge.sh'), ['down', bridgeState], { stdio: 'inherit' });
  rmSync(work, { recursive: true, force: true });
  console.log(`# timings: ${JSON.stringify(timings)}`);
});

const noNetwork =
  skip ||
  (/ inet 172\.20\.20\./.test(execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' })) &&
    'the host has an address on 172.20.20.0/24 already');

test('no private network yet: no packet to 172.20.20.x, and plain words on what vagrant up will make', { skip: noNetwork }, async () => {
  const connects = join(work, 'connects.log');
  const observer = ['--import', join(ROOT, 'test', 'fixtures', 'observe-connect.mjs')];
  const observed = (env: Record<string, string>) =>
    cli(['up', '--provider', 'vagrant', '--lab', labDir()], { ...env, OBSERVE_CONNECT_LOG: connects }, observer);
  writeFileSync(connects, '');
  // A provider that makes the network at vagrant up (libvirt, not installed here, stops there before any box or
  // network is touched): nothing is probed, and the user is told so.
  const virt = await observed({ CONSUL_LAB_VAGRANT_PROVIDER: 'libvirt' });
  assert.notEqual(virt.code, 0);
  assert.match(
    virt.stderr,
    /✓ Check consul and addresses: the private network 172\.20\.20\.0\/24 does not exist yet: vagrant up creates it/,
  );
  assert.match(virt.stderr, /Vagrant has no "libvirt" provider on this machine/);
  // lxc: the bridge must exist first, and the lab says how to make it.
  const lxc = await observed(LXC);
  assert.notEqual(lxc.code, 0);
  assert.match(lxc.stderr, /the host has no address 172\.20\.20\.1 on bridge labbr0: create the private network first/);
  const tried = readFileSync(connects, 'utf8').split('\n').filter(Boolean);
  assert.deepEqual(
    tried.filter((t) => t.startsWith('172.20.20.')),
    [],
    `connections tried: ${tried.join(', ')}`,
  );
});

test('vagrant not installed: said in plain words', { skip }, async () => {
  bridge();
  const empty = join(work, 'empty-path');
  mkdirSync(empty, { recursive: true });
  const r = await cli(['up', '--provider', 'vagrant', '--lab', labDir()], { ...LXC, PATH: empty });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /vagrant is not installed/);
});

test('no usable provider, with real vagrant and no provider plugin (VAGRANT_NO_PLUGINS)', { skip }, async () => {
  bridge();
  const auto = await cli(['up', '--provider', 'vagrant', '--lab', labDir()], {
    VAGRANT_NO_PLUGINS: '1',
    CONSUL_LAB_VAGRANT_PROVIDER: 'auto',
  });
  assert.notEqual(auto.code, 0);
  assert.match(auto.stderr, /no usable Vagrant provider on this machine/);
  const lxc = await cli(['up', '--provider', 'vagrant', '--lab', labDir()], { ...LXC, VAGRANT_NO_PLUGINS: '1' });
  assert.notEqual(lxc.code, 0);
  assert.match(lxc.stderr, /Vagrant has no "lxc" provider on this machine: install the vagrant-lxc plugin/);
});

test('a box that is missing while offline', { skip }, async () => {
  const r = await cli(['up', '--provider', 'vagrant', '--lab', labDir()], { ...LXC, CONSUL_LAB_VAGRANT_BOX: 'consul-lab/no-such-box' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the box consul-lab\/no-such-box is not on this machine and could not be downloaded/);
});

test('a VM that does not come up in time; destroy removes what was made', { skip }, async () => {
  const dir = labDir();
  labs.push(dir);
  const r = await cli(['up', '--provider', 'vagrant', '--lab', dir], { ...LXC, CONSUL_LAB_VAGRANT_UP_TIMEOUT: '3' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /did not come up within 3 s/);
  ok(await cli(['destroy', '--lab', dir], LXC), 'destroy');
  assert.deepEqual(containersOf(dir), []);
});

test('vm commands on a lab without VMs, and on VMs a lab never made', { skip }, async () => {
  const local = await cli(['vm', 'status', '--lab', labDir(), '--subnet', '127.0.47']);
  assert.equal(local.code, 2);
  assert.match(local.stderr, /this lab uses the local provider: its agents are processes on this machine, not VMs/);
  const fresh = labDir();
  const r = await cli(['vm', 'destroy', 'n1', '--provider', 'vagrant', '--lab', fresh], LXC);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /n1 was never created by this lab \(Vagrant has no machine for it\): nothing to destroy/);
  assert.equal(existsSync(fresh), false);
});

test("address already in use: the host client agent's port on 172.20.20.1", { skip }, async () => {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen({ host: '172.20.20.1', port: 8500 }, r));
  try {
    const r = await cli(['up', '--provider', 'vagrant', '--lab', labDir()], LXC);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /172\.20\.20\.1:8500/);
    assert.match(r.stderr, /cannot start/);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('consul-lab up --provider vagrant runs the tutorial in n1 and n2; kill, rejoin, KV; down halts; destroy removes', {
  skip,
}, async () => {
  const dir = labDir();
  labs.push(dir);
  await timed('up (2 VMs + 3 agents)', async () => ok(await cli(['up', '--provider', 'vagrant', '--lab', dir], LXC), 'up'));
  assert.ok(existsSync(join(dir, 'Vagrantfile')));
  assert.match(readFileSync(join(dir, 'Vagrantfile'), 'utf8'), /net\.1\.ipv4\.address', '172\.20\.20\.10\/24'/);

  let s = await status(dir);
  assert.deepEqual(
    s.nodes.map((n) => [n.name, n.process, n.apiUp]),
    [
      ['agent-one', 'running', true],
      ['agent-two', 'running', true],
      ['agent-client', 'running', true],
    ],
  );
  assert.deepEqual(
    s.nodes.map((n) => n.machine && `${n.machine.name} ${n.machine.state}`),
    ['n1 running', 'n2 running', null],
  );
  // Each VM's machine log holds what vagrant printed for it.
  assert.match(readFileSync(join(dir, 'vm', 'logs', 'n1.log'), 'utf8'), /Bringing machine 'n1' up with 'lxc' provider/);
  assert.deepEqual(s.members.map((m) => `${m.name}=${m.status}`).sort(), ['agent-client=alive', 'agent-one=alive', 'agent-two=alive']);
  assert.ok(s.leader === 'agent-one' || s.leader === 'agent-two', `leader: ${s.leader}`);

  // The agents really are inside the VMs: n1's consul answers `consul members` there, as in the tutorial.
  const inside = spawnSync('vagrant', ['ssh', 'n1', '-c', 'consul members'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' },
  });
  assert.equal(inside.status, 0, inside.stderr);
  assert.match(inside.stdout, /agent-client\s+172\.20\.20\.1:8301\s+alive/);

  // Kill the agent in n2: the others see it fail; rejoin brings it back.
  await timed('kill agent-two', async () => ok(await cli(['kill', 'agent-two', '--lab', dir], LXC), 'kill'));
  await eventually(
    'agent-two failed',
    30_000,
    async () => (await status(dir)).members.find((m) => m.name === 'agent-two')?.status === 'failed',
  );
  assert.equal((await status(dir)).nodes[1]!.process, 'stopped');
  await timed('rejoin agent-two', async () => ok(await cli(['rejoin', 'agent-two', '--lab', dir], LXC), 'rejoin'));
  s = await status(dir);
  assert.equal(s.members.find((m) => m.name === 'agent-two')?.status, 'alive');

  // KV: put through the host's client, get on n1.
  ok(await cli(['kv', 'put', 'lab/vagrant', 'from the host', '--node', 'agent-client', '--lab', dir], LXC), 'kv put');
  const got = ok(await cli(['kv', 'get', 'lab/vagrant', '--node', 'agent-one', '--lab', dir], LXC), 'kv get');
  assert.equal(got.stdout.trim(), 'from the host');

  // One VM at a time: halt n2 (its agent fails with it), up again (the agent stays stopped), rejoin.
  const vm = async (...args: string[]) => cli(['vm', ...args, '--lab', dir], LXC);
  const machines = async () =>
    JSON.parse(ok(await vm('status', '--json'), 'vm status').stdout) as { name: string; node: string; state: string; provider: string }[];
  assert.deepEqual(
    (await machines()).map((m) => [m.name, m.node, m.state, m.provider]),
    [
      ['n1', 'agent-one', 'running', 'lxc'],
      ['n2', 'agent-two', 'running', 'lxc'],
    ],
  );
  await timed('vm halt n2', async () => ok(await vm('halt', 'n2'), 'vm halt n2'));
  assert.equal((await machines()).find((m) => m.name === 'n2')?.state, 'stopped');
  s = await status(dir);
  assert.equal(s.nodes[1]!.process, 'stopped');
  await eventually(
    'agent-two failed after its VM halted',
    30_000,
    async () => (await status(dir)).members.find((m) => m.name === 'agent-two')?.status === 'failed',
  );
  await timed('vm up n2', async () => ok(await vm('up', 'agent-two'), 'vm up n2'));
  assert.equal((await machines()).find((m) => m.name === 'n2')?.state, 'running');
  assert.equal((await status(dir)).nodes[1]!.process, 'stopped', 'a machine comes back with its agent stopped');
  ok(await cli(['rejoin', 'agent-two', '--lab', dir], LXC), 'rejoin after vm up');
  assert.equal((await status(dir)).members.find((m) => m.name === 'agent-two')?.status, 'alive');
  assert.match(readFileSync(join(dir, 'vm', 'logs', 'n2.log'), 'utf8'), /\$ vagrant halt n2[\s\S]*\$ vagrant up n2/);
  // Bad input: each refused in plain words.
  for (const [args, why] of [
    [['halt', 'n9'], /unknown machine "n9": this lab's VMs are n1 \(agent-one\), n2 \(agent-two\)/],
    [['halt', 'agent-client'], /agent-client runs on the host, not in a VM: there is no machine to halt/],
    [['destroy'], /vm destroy needs the machine to destroy/],
    [['frobnicate', 'n1'], /unknown vm action "frobnicate"/],
  ] as const) {
    const r = await vm(...args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, why);
  }

  // Pause and resume act inside the VM.
  ok(await cli(['pause', 'agent-one', '--lab', dir], LXC), 'pause');
  assert.equal((await status(dir)).nodes[0]!.process, 'paused');
  ok(await cli(['resume', 'agent-one', '--lab', dir], LXC), 'resume');

  // The `vagrant ssh` session of agent-two drops: its agent's state is read again from the VM.
  const rec = JSON.parse(readFileSync(join(dir, 'run', 'agent-agent-two.json'), 'utf8')) as { pid: number };
  process.kill(rec.pid, 'SIGKILL');
  await eventually('the session to end', 10_000, async () => !existsSync(join(dir, 'run', 'agent-agent-two.json')));
  s = await status(dir);
  assert.equal(s.nodes[1]!.process, 'running');
  assert.equal(s.members.find((m) => m.name === 'agent-two')?.status, 'alive');

  // A Go Micro Greeter in n1 (the static program, copied in), found through Consul and called from the host's
  // Go Micro client; stop and kill act inside the VM.
  const greeter = async (args: string[]) => ok(await cli(['greeter', ...args, '--lab', dir], LXC), `greeter ${args[0]}`);
  const inN1 = (cmd: string) =>
    spawnSync('ssh', ['-F', join(dir, 'vm', 'ssh-config'), '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', 'n1', cmd], { encoding: 'utf8' });
  // An instance's id ends in the uuid it was started with (--server_id): its processes are found by it (as a
  // pattern such as [7]c3e…, which the shell running pgrep does not match itself).
  const uuidOf = (id: string) => `[${id.slice(-36, -35)}]${id.slice(-35)}`;
  const greetersIn = (id: string) => inN1(`pgrep -f '${uuidOf(id)}'`).stdout.trim();
  // The host sees the containers' processes too: only those in its own pid namespace run on the host.
  const onHost = (id: string) =>
    spawnSync('pgrep', ['-f', uuidOf(id)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((pid) => pid && readlinkSync(`/proc/${pid}/ns/pid`) === readlinkSync('/proc/self/ns/pid'))
      .join(' ');
  type Instance = { id: string; node: string; address: string; port: number; process: string; health: string };
  const list = async () => JSON.parse((await greeter(['ls', '--json'])).stdout) as Instance[];

  const g1 = (await timed('greeter start on agent-one (in n1)', () => greeter(['start', '--node', 'agent-one']))).stdout.trim();
  assert.match(g1, /^go\.micro\.srv\.greeter-[0-9a-f-]{36}$/);
  const pid = greetersIn(g1);
  assert.notEqual(pid, '', `no ${g1} process in n1`);
  assert.match(inN1(`readlink /proc/${pid}/exe`).stdout.trim(), /^\/tmp\/consul-lab\/greeter-service-[0-9a-f]{16}$/);
  assert.equal(onHost(g1), '', `${g1} runs on the host`);
  const [inst] = await list();
  const seen = [inst!.id, inst!.node, inst!.address, inst!.process, inst!.health];
  assert.deepEqual(seen, [g1, 'agent-one', '172.20.20.10', 'running', 'passing']);
  // The tutorial's own check, from n1.
  assert.match(inN1('consul catalog services').stdout, /^go\.micro\.srv\.greeter$/m);
  const call = ['call', 'Zoë 王', '--count', '5', '--via', 'agent-client', '--json'];
  const called = await timed('greeter call x5 via agent-client (Go Micro client on the host)', () => greeter(call));
  const calls = JSON.parse(called.stdout) as { ok: boolean; msg: string; instance: string; node: string }[];
  assert.equal(calls.length, 5);
  for (const c of calls) assert.deepEqual([c.ok, c.msg, c.instance, c.node], [true, 'Hello Zoë 王', g1, 'agent-one']);
  await timed('greeter stop', () => greeter(['stop', g1]));
  assert.equal(greetersIn(g1), '', `${g1} still runs in n1`);
  assert.deepEqual(await list(), []);

  const g2 = (await greeter(['start', '--node', 'agent-one'])).stdout.trim();
  await greeter(['kill', g2]);
  assert.equal(greetersIn(g2), '', `${g2} survived kill in n1`);
  await eventually(`${g2} critical (TTL 10 s)`, 20_000, async () => (await list()).find((g) => g.id === g2)?.health === 'critical');
  assert.equal((await list())[0]!.process, 'stopped');
  await greeter(['stop', g2]);

  // Left running for down, which stops it in n1 (SIGTERM, verified gone there) before it halts the VM.
  const g3 = (await greeter(['start', '--node', 'agent-one'])).stdout.trim();

  const downed = await timed('down (greeter, agents + vagrant halt)', async () => ok(await cli(['down', '--lab', dir], LXC), 'down'));
  assert.match(downed.stderr + downed.stdout, /✓ Stop Greeter instances/);
  assert.equal(existsSync(join(dir, 'run', `${g3}.json`)), false);
  assert.equal(onHost(g3), '');
  s = await status(dir);
  assert.deepEqual(
    s.nodes.map((n) => n.process),
    ['stopped', 'stopped', 'stopped'],
  );
  const states = execFileSync('lxc-ls', ['-f', '-F', 'NAME,STATE'], { encoding: 'utf8' });
  for (const c of containersOf(dir)) assert.match(states, new RegExp(`${c}\\s+STOPPED`));
  assert.equal(containersOf(dir).length, 2);

  await timed('destroy', async () => ok(await cli(['destroy', '--lab', dir], LXC), 'destroy'));
  assert.deepEqual(containersOf(dir), []);
  assert.equal(existsSync(dir), false);
});
