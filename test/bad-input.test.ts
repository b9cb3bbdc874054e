// Every bad input is a clear error that names the problem and the fix, and leaves no partial state.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Lab } from '../main/engine/lab.js';
import { newMarker } from '../main/engine/lab/marker.js';
import { makeSpec } from '../main/engine/lab/spec.js';
import { cleanup, cli, tempDir, tempLab, processesMentioning } from './helpers.js';

describe('bad input without a running lab', () => {
  const lab = join(tempDir(), 'lab');

  test('an invalid node name', async () => {
    const r = await cli(['kill', 'agent_two!', '--lab', lab]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid node name "agent_two!": use a DNS label/);
  });

  test('an unknown node', async () => {
    const r = await cli(['kill', 'agent-nine', '--lab', lab]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown node "agent-nine": this lab has agent-one, agent-two, agent-client/);
  });

  test('an empty KV key and a leading slash', async () => {
    assert.match((await cli(['kv', 'put', '', 'x', '--lab', lab])).stderr, /a KV key is required and cannot be empty/);
    assert.match((await cli(['kv', 'get', '/hello', '--lab', lab])).stderr, /keys do not start with "\/" \(write hello\)/);
  });

  test('a value over 512 KiB', async () => {
    const big = new Lab({ dir: lab });
    await assert.rejects(big.kvPut('big', 'x'.repeat(512 * 1024 + 1)), /524289 bytes, over Consul's limit of 524288 bytes \(512 KiB\)/);
  });

  test('bad topology and options', async () => {
    assert.match((await cli(['up', '--servers', '0', '--lab', lab])).stderr, /--servers must be a whole number from 1 to 7, got 0/);
    assert.match((await cli(['up', '--servers', 'two', '--lab', lab])).stderr, /--servers takes a whole number, got two/);
    assert.match((await cli(['up', '--provider', 'docker', '--lab', lab])).stderr, /--provider must be local or vagrant, got docker/);
    assert.match((await cli(['up', '--subnet', '10.0', '--lab', lab])).stderr, /invalid subnet "10.0"/);
    assert.match((await cli(['up', '--bogus', '--lab', lab])).stderr, /unknown option --bogus/);
    assert.match((await cli(['frobnicate', '--lab', lab])).stderr, /unknown command frobnicate/);
  });

  test('destroy refuses a folder that is not a lab, and leaves it alone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'thesis.tex'), 'precious');
    const r = await cli(['destroy', '--lab', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not a lab \(no lab\.json made by Consul Lab\): not deleting anything in it/);
    assert.equal(readFileSync(join(dir, 'thesis.tex'), 'utf8'), 'precious');
  });

  test('a duplicate node name in a lab file', () => {
    const dir = join(tempDir(), 'dup');
    mkdirSync(dir, { recursive: true });
    const spec = makeSpec({ subnet: '127.0.6' });
    spec.nodes[1]!.name = 'agent-one';
    writeFileSync(join(dir, 'lab.json'), JSON.stringify(newMarker(spec, 'created', true)));
    assert.throws(() => new Lab({ dir }), /duplicate node name "agent-one": every node needs its own name/);
  });

  test('consul missing says how to get it, and nothing starts', async () => {
    const dir = join(tempDir(), 'lab');
    const r = await cli(['up', '--lab', dir, '--subnet', '127.0.7'], { CONSUL_LAB_CACHE: tempDir(), PATH: '/nonexistent' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no usable consul binary was found/);
    assert.match(r.stderr, /npm run consul:ensure/);
    assert.deepEqual(processesMentioning([dir]), []);
  });
});

describe('an address already in use', () => {
  const blocker = createServer();
  before(() => new Promise<void>((r) => blocker.listen(8500, '127.0.8.10', r)));
  after(() => new Promise<void>((r) => blocker.close(() => r())));

  test('up names the address and port, and starts nothing', async () => {
    const dir = join(tempDir(), 'lab');
    const r = await cli(['up', '--lab', dir, '--subnet', '127.0.8']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /127\.0\.8\.10:8500\/tcp \(agent-one HTTP API\) is already in use/);
    assert.match(r.stderr, /--subnet/);
    assert.deepEqual(processesMentioning([dir]), []);
  });
});

describe('operations on a stopped node', () => {
  const lab = tempLab({ subnet: '127.0.9', servers: 1, clients: 1 });
  before(() => lab.up().then(() => lab.kill('agent-client')));
  after(() => cleanup(lab));

  test('each is refused with what to do instead', async () => {
    await assert.rejects(lab.kill('agent-client'), /cannot kill agent-client: its agent is not running \(stopped\); rejoin it first/);
    await assert.rejects(lab.leave('agent-client'), /cannot leave agent-client/);
    await assert.rejects(lab.pause('agent-client'), /cannot pause agent-client/);
    await assert.rejects(lab.resume('agent-client'), /cannot resume agent-client: it is stopped, not paused/);
    await assert.rejects(lab.kvPut('k', 'v', 'agent-client'), /cannot use agent-client: its agent is not running/);
    await assert.rejects(lab.rejoin('agent-one'), /cannot rejoin agent-one: its agent is running; kill it or make it leave first/);
  });

  test('a missing key reads as such', async () => {
    await assert.rejects(lab.kvGet('no/such/key'), /no key exists at: no\/such\/key \(read through agent-one\)/);
  });

  test('a lab created with other options is not silently reshaped', () => {
    assert.throws(() => new Lab({ dir: lab.dir.root, servers: 3 }), /was created with 1 server: drop those options, or run destroy first/);
  });
});
