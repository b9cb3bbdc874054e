/** Issue 4: the Greeter on real Consul agents: registration, discovery, failure, independent clients, the CLI. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { InputError } from '../main/common/names.js';
import type { GreeterInstance, LabEvent } from '../main/common/types.js';
import { resolveConsul } from '../main/engine/consul/resolve.js';
import { Lab } from '../main/engine/lab.js';
import { cleanup, cli, eventually, tempLab } from './helpers.js';

const SUBNET = '127.0.22';

/** A minimal DNS SRV query over UDP: returns the port and target of each answer. */
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

describe('greeter on real consul', { timeout: 300_000 }, () => {
  let lab: Lab;
  let one: GreeterInstance;
  let two: GreeterInstance;
  let killedAt = 0;
  const goMicroId = 'greeter-7c3e1a2b-5d6f-4a8b-9c0d-1e2f3a4b5c6d';
  const events: LabEvent[] = [];

  before(async () => {
    lab = tempLab({ subnet: SUBNET });
    lab.on((e) => events.push(e));
    await lab.up();
  });

  after(async () => {
    await cleanup(lab);
    assert.deepEqual(lab.leftovers(), []);
  });

  it('starts instances on agent-one and agent-two; 20 calls through agent-client are answered by both', async () => {
    one = await lab.greeter.start('agent-one');
    two = await lab.greeter.start('agent-two');
    assert.match(one.id, /^greeter-[0-9a-f]{8}$/);
    assert.notEqual(one.id, two.id);
    assert.equal(one.address, `${SUBNET}.10`);
    assert.equal(one.health, 'passing');
    const calls = await lab.greeter.call('John', 20);
    assert.equal(calls.length, 20);
    for (const c of calls) {
      assert.ok(c.ok, c.error);
      assert.equal(c.msg, 'Hello John');
      assert.equal(c.via, 'agent-client');
      assert.equal(c.node, c.instance === one.id ? 'agent-one' : 'agent-two');
      assert.deepEqual(c.path, ['caller', 'agent agent-client', 'servers', `${c.instance} on ${c.node}`]);
    }
    assert.deepEqual(new Set(calls.map((c) => c.instance)), new Set([one.id, two.id]));
    // Discovery comes from the cached list after the first call.
    assert.ok(calls.slice(1).every((c) => c.discoveryMs < 5), 'discovery is served from the cached list');
    assert.equal(events.filter((e) => e.type === 'greeter-call').length, 20);
    assert.equal(events.filter((e) => e.type === 'greeter-instance' && e.change === 'started').length, 2);
  });

  it('registers with service, id, address, port, tags, meta and a 1 s HTTP check', async () => {
    const svc = await lab.client('agent-one').get<Record<string, unknown>>(`/v1/agent/service/${one.id}`);
    assert.equal(svc?.Service, 'greeter');
    assert.equal(svc?.Port, one.port);
    assert.deepEqual((svc?.Meta as Record<string, string>).version, '1.0.0');
    assert.ok((svc?.Tags as string[]).includes('consul-lab'));
    const checks = await lab.client('agent-one').get<Record<string, { ServiceID: string; Type: string; Interval: string; Status: string }>>('/v1/agent/checks');
    const check = Object.values(checks ?? {}).find((c) => c.ServiceID === one.id);
    assert.equal(check?.Type, 'http');
    assert.equal(check?.Interval, '1s');
  });

  it('is seen by consul catalog and by Consul DNS', async () => {
    const consul = (await resolveConsul()).path;
    const env = { ...process.env, CONSUL_HTTP_ADDR: `http://${SUBNET}.20:8500` };
    const run = promisify(execFile);
    const services = await run(consul, ['catalog', 'services'], { env });
    assert.match(services.stdout, /^greeter$/m);
    const nodes = await run(consul, ['catalog', 'nodes', '-service=greeter'], { env });
    assert.match(nodes.stdout, /agent-one/);
    assert.match(nodes.stdout, /agent-two/);
    const answers = await srv(`${SUBNET}.20`, 8600, 'greeter.service.consul');
    assert.deepEqual(answers.map((a) => a.port).sort(), [one.port, two.port].sort());
  });

  it('lists a Go Micro greeter registered in the same cluster, and never calls it', async () => {
    const tag = (prefix: string, text: string) => `${prefix}-${deflateSync(text).toString('hex')}`;
    // What Go Micro's Consul registry writes for a greeter: its node id, and its facts encoded in tags.
    await lab.client('agent-one').put('/v1/agent/service/register', {
      body: {
        ID: goMicroId,
        Name: 'greeter',
        Address: `${SUBNET}.10`,
        Port: 45999,
        Tags: [tag('v', 'latest'), tag('t', JSON.stringify({ registry: 'consul', server: 'grpc' })), tag('e', JSON.stringify({ name: 'Greeter.Hello' }))],
      },
    });
    const micro = await eventually('the Go Micro greeter to be listed', 10_000, async () => (await lab.greeter.list()).find((g) => g.id === goMicroId));
    assert.equal(micro.framework, 'go-micro');
    assert.equal(micro.version, 'latest');
    assert.equal(micro.process, 'external');
    assert.equal(micro.node, 'agent-one');
    assert.equal(micro.health, 'passing');
    const calls = await lab.greeter.call('John', 6, 'agent-one');
    assert.ok(calls.every((c) => c.ok && c.instance !== goMicroId));
  });

  it('refuses bad names clearly and returns unicode names intact', async () => {
    await assert.rejects(lab.greeter.call(''), (e: Error) => e instanceof InputError && /name to greet is required/.test(e.message));
    await assert.rejects(lab.greeter.call('x'.repeat(257)), /at most 256/);
    await assert.rejects(lab.greeter.call('a\u0007b'), /control characters/);
    const name = 'Zoë 山田 🚀 ' + 'é'.repeat(200);
    const [c] = await lab.greeter.call(name);
    assert.equal(c?.msg, `Hello ${name}`);
    const bad = await cli(['greeter', 'call', '', '--lab', lab.dir.root]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /name to greet is required/);
  });

  it('the CLI starts, lists, calls and stops; a graceful stop deregisters at once', async () => {
    const lab_ = ['--lab', lab.dir.root];
    const started = await cli(['greeter', 'start', '--node', 'agent-client', ...lab_]);
    assert.equal(started.code, 0, started.stderr);
    const id = started.stdout.trim();
    assert.match(id, /^greeter-[0-9a-f]{8}$/);
    const ls = await cli(['greeter', 'ls', '--json', ...lab_]);
    const listed = JSON.parse(ls.stdout) as GreeterInstance[];
    assert.deepEqual(listed.filter((g) => g.process !== 'external').map((g) => g.id).sort(), [one.id, two.id, id].sort());
    const calls = await cli(['greeter', 'call', 'Ada', '--count', '3', '--via', 'agent-one', '--json', ...lab_]);
    assert.equal(calls.code, 0, calls.stderr);
    const parsed = JSON.parse(calls.stdout) as { msg: string; instance: string; node: string }[];
    assert.equal(parsed.length, 3);
    for (const c of parsed) {
      assert.equal(c.msg, 'Hello Ada');
      assert.ok([one.id, two.id, id].includes(c.instance));
      assert.ok(c.node);
    }
    const stopped = await cli(['greeter', 'stop', id, ...lab_]);
    assert.equal(stopped.code, 0, stopped.stderr);
    const seen = await lab.client('agent-two').get<{ Service: { ID: string } }[]>('/v1/health/service/greeter');
    assert.ok(!seen?.some((e) => e.Service.ID === id), 'gone from the catalog as soon as stop returns');
    const unknown = await cli(['greeter', 'stop', id, ...lab_]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no greeter instance/);
  });

  it('a killed instance goes critical and callers stop picking it', async () => {
    await lab.greeter.kill(two.id);
    killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000 + 2000));
    const calls = await lab.greeter.call('John', 20);
    assert.deepEqual(
      calls.filter((c) => !c.ok || c.instance !== one.id),
      [],
    );
    const listed = (await lab.greeter.list()).find((g) => g.id === two.id);
    assert.equal(listed?.process, 'stopped');
    assert.equal(listed?.health, 'critical');
  });

  it('is tracked like agents: another process finds the instances', async () => {
    const again = new Lab({ dir: lab.dir.root });
    const found = await again.greeter.list();
    assert.equal(found.find((g) => g.id === one.id)?.pid, one.pid);
    const ls = await cli(['greeter', 'ls', '--lab', lab.dir.root]);
    assert.match(ls.stdout, new RegExp(`${one.id}\\s+agent-one.*running\\s+passing`));
  });

  it('calling through a node whose agent is killed fails naming it; another node works, and is the default', async () => {
    await lab.kill('agent-client');
    await assert.rejects(lab.greeter.call('John', 1, 'agent-client'), /cannot use agent-client: its agent is not running/);
    const r = await cli(['greeter', 'call', 'John', '--via', 'agent-client', '--lab', lab.dir.root]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot use agent-client: its agent is not running/);
    const [c] = await lab.greeter.call('John', 1, 'agent-one');
    assert.ok(c?.ok, c?.error);
    assert.equal(c?.instance, one.id);
    const viaDefault = async () => (await lab.greeter.call('John'))[0]?.via === 'agent-one';
    await eventually('calls without --via to go through a running server', 5000, viaDefault);
  });

  it('Consul reaps the killed instance (DeregisterCriticalServiceAfter)', async () => {
    // Consul's floor is one minute, reaped on a 30 s sweep by the agent that holds the registration.
    await eventually('the killed instance to be deregistered', 120_000 - (Date.now() - killedAt), async () => {
      const g = (await lab.greeter.list()).find((x) => x.id === two.id);
      return g?.health === 'deregistered';
    });
    const changes = events.filter((e) => e.type === 'greeter-health' && e.id === two.id).map((e) => (e as { to: string }).to);
    assert.deepEqual(changes.slice(-2), ['critical', 'deregistered']);
  });
});
