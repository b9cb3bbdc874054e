/**
 * Issue 12: the tutorial's Greeter for real, on real Consul agents: Go Micro's greeter-service registered with
 * its node's agent and called by Go Micro's client through the agent picked; its registration as Consul and
 * `consul catalog services` see it, its tags decoded, DNS, failure and reaping, bad input, the CLI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dnsNote } from '../main/common/gomicro.js';
import { InputError } from '../main/common/names.js';
import type { GreeterInstance, LabEvent } from '../main/common/types.js';
import { ensureGreeter, hostPlatform, programFile } from '../main/engine/greeter/binaries.js';
import { Lab } from '../main/engine/lab.js';
import { cleanup, cli, eventually, tempLab } from './helpers.js';

const SUBNET = '127.0.22';
const SERVICE = 'go.micro.srv.greeter';
const ID = /^go\.micro\.srv\.greeter-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAME = 'Zoë 王';

/** A DNS SRV query over UDP, as `dig @SERVER -p PORT NAME SRV` sends it: the port and target of each answer. */
async function srv(server: string, port: number, name: string): Promise<{ port: number; target: string }[]> {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 33, 0, 1])]);
  const sock = createSocket('udp4');
  const msg = await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no DNS answer from ${server}:${port}`)), 3000);
    sock.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    sock.send(query, port, server);
  }).finally(() => sock.close());
  const readName = (at: number): [string, number] => {
    const parts: string[] = [];
    let end = -1;
    for (;;) {
      const len = msg[at]!;
      if (len === 0) return [parts.join('.'), end === -1 ? at + 1 : end];
      if (len >= 0xc0) {
        if (end === -1) end = at + 2;
        at = msg.readUInt16BE(at) & 0x3fff;
        continue;
      }
      parts.push(msg.subarray(at + 1, at + 1 + len).toString());
      at += len + 1;
    }
  };
  const answers = msg.readUInt16BE(6);
  let at = readName(12)[1] + 4;
  const out: { port: number; target: string }[] = [];
  for (let i = 0; i < answers; i++) {
    at = readName(at)[1];
    const type = msg.readUInt16BE(at);
    const rdlen = msg.readUInt16BE(at + 8);
    if (type === 33) out.push({ port: msg.readUInt16BE(at + 14), target: readName(at + 16)[0] });
    at += 10 + rdlen;
  }
  return out;
}

describe('the Go Micro Greeter on real consul', { timeout: 300_000 }, () => {
  let lab: Lab;
  let one: GreeterInstance;
  let two: GreeterInstance;
  let killedAt = 0;
  const events: LabEvent[] = [];
  const mine: ChildProcess[] = [];
  const lab_ = () => ['--lab', lab.dir.root];
  const labIds = async () =>
    (await lab.greeter.list())
      .filter((g) => g.process !== 'external')
      .map((g) => g.id)
      .sort();

  before(async () => {
    lab = tempLab({ subnet: SUBNET });
    lab.on((e) => events.push(e));
    await lab.up();
  });

  after(async () => {
    for (const c of mine) c.kill('SIGKILL');
    await cleanup(lab);
    assert.deepEqual(lab.leftovers(), []);
  });

  it('two instances, on agent-one and agent-two: 20 calls via agent-client are answered by both, echoing a unicode name', async () => {
    one = await lab.greeter.start('agent-one');
    two = await lab.greeter.start('agent-two');
    assert.match(one.id, ID);
    assert.notEqual(one.id, two.id);
    assert.deepEqual([one.service, one.address, one.process, one.health], [SERVICE, `${SUBNET}.10`, 'running', 'passing']);
    assert.deepEqual([one.ttlS, one.intervalS, one.deregisterAfterS], [10, 5, 65]);
    const calls = await lab.greeter.call(NAME, 20, 'agent-client');
    assert.equal(calls.length, 20);
    for (const c of calls) {
      assert.ok(c.ok, c.error);
      assert.equal(c.msg, `Hello ${NAME}`);
      assert.equal(c.via, 'agent-client');
      assert.equal(c.node, c.instance === one.id ? 'agent-one' : 'agent-two');
      assert.deepEqual(c.path, ['caller', 'agent agent-client', 'servers', `${c.instance} on ${c.node}`]);
    }
    assert.deepEqual(new Set(calls.map((c) => c.instance)), new Set([one.id, two.id]));
    // Go Micro's selector serves the later calls from its cache.
    assert.ok(
      calls.slice(1).every((c) => c.discoveryMs < 5),
      'discovery is served from the cached list',
    );
    assert.equal(events.filter((e) => e.type === 'greeter-call').length, 20);
    assert.equal(events.filter((e) => e.type === 'greeter-instance' && e.change === 'started').length, 2);
  });

  it('registers the Go Micro way: <name>-<uuid>, Meta, a TTL check, and tags that greeter ls decodes', async () => {
    type Service = { ID: string; Service: string; Port: number; Tags: string[]; Meta: Record<string, string> };
    const svc = await lab.client('agent-one').get<Service>(`/v1/agent/service/${one.id}`);
    assert.deepEqual([svc?.ID, svc?.Service, svc?.Port], [one.id, SERVICE, one.port]);
    assert.deepEqual(svc?.Meta, { broker: 'http', protocol: 'mucp', registry: 'consul', server: 'mucp', transport: 'http' });
    assert.ok(svc?.Tags.length && svc.Tags.every((t) => /^[tev]-([0-9a-f]{2})+$/.test(t)), 'tags are hex of zlib JSON');
    type Check = { ServiceID: string; Type: string; Status: string };
    const checks = await lab.client('agent-one').get<Record<string, Check>>('/v1/agent/checks');
    const check = Object.values(checks ?? {}).find((c) => c.ServiceID === one.id);
    assert.deepEqual([check?.Type, check?.Status], ['ttl', 'passing']);

    const ls = await cli(['greeter', 'ls', '--json', ...lab_()]);
    assert.equal(ls.code, 0, ls.stderr);
    const listed = (JSON.parse(ls.stdout) as GreeterInstance[]).find((g) => g.id === one.id)!;
    assert.equal(listed.gomicro?.version, '1.0.0');
    assert.equal(listed.gomicro?.metadata.protocol, 'mucp');
    const [hello] = listed.gomicro?.endpoints ?? [];
    assert.equal(hello?.name, 'Say.Hello');
    assert.deepEqual(hello?.request, { name: 'Request', type: 'Request', values: [{ name: 'name', type: 'string' }] });
    assert.deepEqual(
      hello?.response?.values?.map((v) => v.name),
      ['msg', 'instance', 'node'],
    );
    assert.deepEqual(listed.check && [listed.check.type, listed.check.status], ['ttl', 'passing']);
    const text = await cli(['greeter', 'ls', ...lab_()]);
    assert.match(text.stdout, /endpoint Say\.Hello: Request\{name string\} → Response\{msg string, instance string, node string\}/);
    assert.match(text.stdout, /metadata .*protocol=mucp/);
  });

  it("the tutorial's check: consul catalog services in agent-one's shell lists it; the health API sees both", async () => {
    const sh = lab.provider.shell(lab.node('agent-one'));
    const input = 'consul catalog services\nexit\n';
    const r = spawnSync(sh.file, sh.args, { cwd: sh.cwd, env: { ...process.env, ...sh.env }, input, encoding: 'utf8' });
    assert.match(r.stdout, /^go\.micro\.srv\.greeter$/m, r.stderr);
    const passing = await lab.client('agent-one').get<{ Service: { ID: string } }[]>(`/v1/health/service/${SERVICE}?passing=1`);
    assert.deepEqual(passing?.map((e) => e.Service.ID).sort(), [one.id, two.id].sort());
  });

  it("Consul's DNS cannot serve the dotted name: the agent logs it, the lab says so, no SRV answer; a plain name is served", async () => {
    const log = readFileSync(lab.dir.logFile('agent-one'), 'utf8');
    assert.match(log, /Service name will not be discoverable via DNS due to invalid characters.*service=go\.micro\.srv\.greeter/);
    const ls = await cli(['greeter', 'ls', ...lab_()]);
    assert.ok(ls.stdout.includes(dnsNote(SERVICE)!), ls.stdout);
    assert.deepEqual(await srv(`${SUBNET}.20`, 8600, 'greeter.service.consul'), []);

    // The same program started by hand, as in a terminal, under a name DNS can serve.
    const platform = hostPlatform();
    const file = programFile(await ensureGreeter([platform]), platform, 'greeter-service');
    const user = spawn(file, ['--registry_address', `${SUBNET}.20:8500`, '--server_name', 'greeter'], { stdio: 'ignore' });
    mine.push(user);
    const answer = async () => (await srv(`${SUBNET}.20`, 8600, 'greeter.service.consul'))[0];
    const found = await eventually('greeter.service.consul to answer', 15_000, answer);
    const listed = await eventually('the hand-started greeter to be listed', 10_000, async () =>
      (await lab.greeter.list()).find((g) => g.service === 'greeter'),
    );
    const seen = [listed.process, listed.node, listed.port, listed.gomicro?.endpoints[0]?.name];
    assert.deepEqual(seen, ['external', 'agent-client', found.port, 'Say.Hello']);
    assert.equal(dnsNote('greeter'), null);
    // The lab calls go.micro.srv.greeter: never this one.
    assert.ok((await lab.greeter.call('John', 6)).every((c) => c.ok && c.instance !== listed.id));
    user.kill('SIGTERM');
    const gone = async () => !(await lab.greeter.list()).some((g) => g.service === 'greeter');
    await eventually('the hand-started greeter to deregister', 5000, gone);
  });

  it('refuses bad input in plain words, leaving nothing running', async () => {
    const before = {
      ids: await labIds(),
      pids: lab.dir
        .processes()
        .map((p) => p.pid)
        .sort(),
    };
    await assert.rejects(lab.greeter.start('agent-nine'), /unknown node "agent-nine": this lab has agent-one, agent-two, agent-client/);
    await assert.rejects(lab.greeter.call(''), (e: Error) => e instanceof InputError && /name to greet is required/.test(e.message));
    await assert.rejects(lab.greeter.call('x'.repeat(10 * 1024)), /10240 characters long; the Greeter accepts at most 256/);
    await assert.rejects(lab.greeter.call('a\u0007b'), /control characters/);
    await assert.rejects(lab.greeter.call('John', 0), /invalid count 0: expected a whole number from 1 to 1000/);
    await assert.rejects(lab.greeter.call('John', 10_000), /invalid count 10000: expected a whole number from 1 to 1000/);
    for (const [args, why] of [
      [['greeter', 'start', '--node', 'agent-nine'], /unknown node "agent-nine"/],
      [['greeter', 'call', ''], /name to greet is required/],
      [['greeter', 'call', 'John', '--count', '10000'], /invalid count 10000/],
      [['greeter', 'stop', 'greeter-1'], /invalid greeter instance id "greeter-1": ids look like go\.micro\.srv\.greeter-<uuid>/],
    ] as const) {
      const r = await cli([...args, ...lab_()]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, why);
    }
    // No Go and no built program: as on a machine without Go, with an empty tool cache.
    const cache = mkdtempSync(join(tmpdir(), 'consul-lab-nocache-'));
    try {
      const noGo = { PATH: dirname(process.execPath), CONSUL_LAB_CACHE: cache };
      for (const args of [
        ['greeter', 'start', '--node', 'agent-one'],
        ['greeter', 'call', 'John'],
      ]) {
        const r = await cli([...args, ...lab_()], noGo);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^consul-lab: The Go Micro Greeter is not built for [a-z0-9-]+ and Go is not installed: install Go/m);
        assert.match(r.stderr, /then run consul-lab greeter ensure/);
      }
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
    assert.deepEqual(await labIds(), before.ids);
    assert.deepEqual(
      lab.dir
        .processes()
        .map((p) => p.pid)
        .sort(),
      before.pids,
    );
  });

  it('the CLI starts, lists, calls and stops; Stop deregisters within 1 s', async () => {
    const started = await cli(['greeter', 'start', '--node', 'agent-client', ...lab_()]);
    assert.equal(started.code, 0, started.stderr);
    const id = started.stdout.trim();
    assert.match(id, ID);
    assert.deepEqual(await labIds(), [one.id, two.id, id].sort());
    const calls = await cli(['greeter', 'call', 'Ada', '--count', '3', '--via', 'agent-one', '--json', ...lab_()]);
    assert.equal(calls.code, 0, calls.stderr);
    const parsed = JSON.parse(calls.stdout) as { msg: string; instance: string; node: string; via: string }[];
    assert.equal(parsed.length, 3);
    for (const c of parsed) {
      assert.deepEqual([c.msg, c.via], ['Hello Ada', 'agent-one']);
      assert.ok([one.id, two.id, id].includes(c.instance));
    }
    const t0 = Date.now();
    const stopped = await lab.greeter.stop(id);
    assert.ok(Date.now() - t0 < 1000, `stop took ${Date.now() - t0} ms`);
    assert.equal(stopped.health, 'deregistered');
    const seen = await lab.client('agent-two').get<{ Service: { ID: string } }[]>(`/v1/health/service/${SERVICE}`);
    assert.ok(!seen?.some((e) => e.Service.ID === id), 'gone from the catalog as soon as stop returns');
    const unknown = await cli(['greeter', 'stop', id, ...lab_()]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no greeter instance/);
  });

  it('kill one instance: calls keep succeeding from the other; its TTL check goes critical', async () => {
    await lab.greeter.kill(two.id);
    killedAt = Date.now();
    // At once, while Consul still lists it: Go Micro's client retries on the other instance.
    const calls = await lab.greeter.call('John', 20);
    assert.deepEqual(
      calls.filter((c) => !c.ok || c.instance !== one.id),
      [],
    );
    const killed = (await lab.greeter.list()).find((g) => g.id === two.id)!;
    assert.deepEqual([killed.process, killed.pid, killed.ttlS, killed.deregisterAfterS], ['stopped', null, 10, 65]);
    assert.ok(killed.killedAt && Math.abs(killed.killedAt - killedAt) < 1000);
    const critical = await eventually('its check to go critical (TTL 10 s)', 15_000, async () =>
      (await lab.greeter.list()).find((g) => g.id === two.id && g.health === 'critical'),
    );
    assert.deepEqual(critical.check && [critical.check.status, critical.check.output], ['critical', 'TTL expired']);
    assert.ok((await lab.greeter.call('John', 10)).every((c) => c.ok && c.instance === one.id && c.attempts === 1));
  });

  it('is tracked like agents: another process finds the instances', async () => {
    const again = new Lab({ dir: lab.dir.root });
    const found = await again.greeter.list();
    assert.equal(found.find((g) => g.id === one.id)?.pid, one.pid);
    const ls = await cli(['greeter', 'ls', ...lab_()]);
    const dots = (s: string) => s.replace(/\./g, '\\.');
    assert.match(ls.stdout, new RegExp(`${dots(one.id)}\\s+${dots(SERVICE)}\\s+agent-one.*running\\s+passing`));
  });

  it('a node whose agent is killed: no call through it, no greeter on it; another node works, and is the default', async () => {
    await lab.kill('agent-client');
    await assert.rejects(lab.greeter.call('John', 1, 'agent-client'), /cannot use agent-client: its agent is not running/);
    await assert.rejects(lab.greeter.start('agent-client'), /cannot start a greeter on agent-client: its agent is not running/);
    const r = await cli(['greeter', 'call', 'John', '--via', 'agent-client', ...lab_()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot use agent-client: its agent is not running/);
    const [c] = await lab.greeter.call('John', 1, 'agent-one');
    assert.ok(c?.ok, c?.error);
    assert.equal(c?.instance, one.id);
    const viaDefault = async () => (await lab.greeter.call('John'))[0]?.via === 'agent-one';
    await eventually('calls without --via to go through a running server', 5000, viaDefault);
  });

  it('Consul reaps the killed instance (DeregisterCriticalServiceAfter)', async () => {
    // Go Micro asks for max(TTL, 1 min) + 5 s; the agent that holds the registration reaps on a 30 s sweep.
    await eventually('the killed instance to be deregistered', 130_000 - (Date.now() - killedAt), async () => {
      const g = (await lab.greeter.list()).find((x) => x.id === two.id);
      return g?.health === 'deregistered';
    });
    const changes = events.filter((e) => e.type === 'greeter-health' && e.id === two.id).map((e) => (e as { to: string }).to);
    assert.deepEqual(changes.slice(-2), ['critical', 'deregistered']);
  });
});
