// KV keys and values at the boundary, on real Consul agents: no key reaches anything but /v1/kv/ (through the CLI
// and the web door's handlers), values are bytes end to end (stdin, @file, --raw, base64) up to Consul's 512 KiB,
// and the first seconds of quorum loss read as the plain quorum message.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KvResult } from '../main/common/types.js';
import { createHandlers, dispatch, type Handlers } from '../main/doors/handlers.js';
import { LabSession } from '../main/engine/session.js';
import { CLI, cleanup, cli, eventually, tempDir, tempLab } from './helpers.js';

const SUBNET = '127.0.40';
const ONE = `http://${SUBNET}.10:8500`;
const KIB = 1024;

describe('KV keys and values at the boundary', () => {
  const lab = tempLab({ subnet: SUBNET });
  const files = tempDir();
  const written = new Set<string>();
  let session: LabSession;
  let handlers: Handlers;

  const run = (...args: string[]) => cli(['kv', ...args, '--lab', lab.dir.root, '--subnet', SUBNET]);
  /** The CLI with bytes on stdin and stdout kept as bytes. */
  const runBytes = (args: string[], stdin?: Buffer) =>
    new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'kv', ...args, '--lab', lab.dir.root, '--subnet', SUBNET], {
        stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
      child.stdin?.on('error', () => undefined).end(stdin); // a CLI that refuses early leaves stdin unread
    });
  const put = async (key: string, args: string[], stdin?: Buffer) => {
    const r = await runBytes(['put', key, ...args], stdin);
    if (r.code === 0) written.add(key);
    return r;
  };
  const storedKeys = async () => ((await (await fetch(`${ONE}/v1/kv/?keys`)).json()) as string[] | null) ?? [];
  const memberStatus = async (name: string) => {
    const members = (await (await fetch(`${ONE}/v1/agent/members`)).json()) as { Name: string; Status: number }[];
    return members.find((m) => m.Name === name)?.Status;
  };

  before(async () => {
    await lab.up();
    session = new LabSession(lab);
    handlers = createHandlers(session);
  });
  after(async () => {
    await session?.close(false);
    await cleanup(lab);
  });

  const traversal: [string, RegExp][] = [
    ['../agent/leave', /a key segment cannot be "\." or "\.\."/],
    ['../agent/reload', /a key segment cannot be "\." or "\.\."/],
    ['a/../b', /a key segment cannot be "\." or "\.\."/],
    ['x/./y', /a key segment cannot be "\." or "\.\."/],
    ['%2e%2e/agent/leave', /a key segment cannot be "\." or "\.\."/],
    ['.%2E/agent/leave', /a key segment cannot be "\." or "\.\."/],
    ['a//b', /empty segments \("\/\/"\) are not allowed/],
    ['a\u0001b', /control characters are not allowed/],
    ['line\nbreak', /control characters are not allowed/],
  ];

  test('traversal keys are refused by the CLI, naming the rule; agent-client stays alive and nothing is written', async () => {
    for (const [key, rule] of traversal) {
      for (const args of [
        ['put', key, 'x', '--node', 'agent-client'],
        ['get', key],
        ['del', key, '--node', 'agent-one'],
      ]) {
        const r = await run(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, rule, args.join(' '));
      }
    }
    const ls = await run('ls', '../agent');
    assert.equal(ls.code, 2, ls.stderr);
    assert.equal(await memberStatus('agent-client'), 1, 'agent-client is alive, seen from agent-one');
    assert.deepEqual(await storedKeys(), []);
  });

  test('traversal keys are refused by the web door, naming the rule; agent-one is not reloaded', async () => {
    for (const [key, rule] of [...traversal, ['nul\u0000key', /control characters are not allowed/] as [string, RegExp]]) {
      await assert.rejects(dispatch(handlers, 'kvPut', { key, value: 'x', node: 'agent-one' }), rule, key);
      await assert.rejects(dispatch(handlers, 'kvGet', { key, node: 'agent-one' }), rule, key);
      await assert.rejects(dispatch(handlers, 'kvDelete', { key }), rule, key);
    }
    await assert.rejects(dispatch(handlers, 'kvList', { prefix: '../agent' }), /a key segment cannot be/);
    assert.doesNotMatch(readFileSync(lab.dir.logFile('agent-one'), 'utf8'), /reload/i);
    assert.equal(await memberStatus('agent-client'), 1);
    assert.deepEqual(await storedKeys(), []);
  });

  test('the engine never sends a key outside /v1/kv/, whatever the caller checked', async () => {
    await assert.rejects(lab.kvPut('../agent/leave', 'x', 'agent-client'), /a key segment cannot be "\." or "\.\."/);
    assert.equal(await memberStatus('agent-client'), 1);
  });

  test('a folder key ending in "/" is allowed, as Consul makes one', async () => {
    const r = await put('app/', []);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await put('app/config', ['on'])).code, 0);
    assert.equal((await put('odd key?#%/ünï', ['spaced'])).code, 0);
    assert.equal((await run('get', 'odd key?#%/ünï')).stdout, 'spaced\n');
    assert.deepEqual((await run('ls', 'app/')).stdout, 'app/\napp/config\n');
    assert.deepEqual((await storedKeys()).sort(), [...written].sort());
  });

  test('511 KiB through stdin and @file round-trip byte for byte; 513 KiB is refused before any request', async () => {
    const big = randomBytes(511 * KIB);
    assert.equal((await put('big/stdin', ['-'], big)).code, 0);
    const file = join(files, 'big.bin');
    writeFileSync(file, big);
    const viaFile = await put('big/file', [`@${file}`]);
    assert.equal(viaFile.code, 0, viaFile.stderr);
    for (const key of ['big/stdin', 'big/file']) {
      const got = await runBytes(['get', key, '--raw']);
      assert.equal(got.code, 0, got.stderr);
      assert.ok(got.stdout.equals(big), `${key}: ${got.stdout.length} bytes back`);
    }
    const over = randomBytes(513 * KIB);
    writeFileSync(file, over);
    for (const [args, stdin] of [
      [['-'], over],
      [[`@${file}`], undefined],
    ] as [string[], Buffer | undefined][]) {
      const r = await put('big/over', args, stdin);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /the value is 525312 bytes, over Consul's limit of 524288 bytes \(512 KiB\)/);
    }
    assert.equal((await run('get', 'big/over')).code, 2);
    const missing = await put('big/missing', [`@${join(files, 'nope.bin')}`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.bin/);
  });

  test('binary bytes ff fe 00 80 round-trip through the CLI (--raw) and the engine API (base64)', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    assert.equal((await put('bin/cli', ['-'], bytes)).code, 0);
    const raw = await runBytes(['get', 'bin/cli', '--raw']);
    assert.equal(raw.stdout.toString('hex'), 'fffe0080');
    const json = JSON.parse((await run('get', 'bin/cli', '--json')).stdout);
    assert.deepEqual([json.base64, json.bytes, json.binary, json.value], ['//4AgA==', 4, true, null]);
    const stored = Buffer.from(await (await fetch(`${ONE}/v1/kv/bin/cli?raw`)).arrayBuffer());
    assert.equal(stored.toString('hex'), 'fffe0080');

    await dispatch(handlers, 'kvPut', { key: 'bin/api', base64: bytes.toString('base64') });
    written.add('bin/api');
    const got = (await dispatch(handlers, 'kvGet', { key: 'bin/api', node: 'agent-one' })) as KvResult;
    assert.deepEqual([Buffer.from(got.base64!, 'base64').toString('hex'), got.binary, got.bytes], ['fffe0080', true, 4]);
    const text = (await dispatch(handlers, 'kvGet', { key: 'app/config' })) as KvResult;
    assert.deepEqual([text.value, text.binary], ['on', false]);
    await assert.rejects(dispatch(handlers, 'kvPut', { key: 'k', value: 'v', base64: 'dg==' }), /exactly one of value .* or base64/);
    await assert.rejects(dispatch(handlers, 'kvPut', { key: 'k', base64: 'not base64!' }), /base64/);
    const over = randomBytes(513 * KIB).toString('base64');
    await assert.rejects(dispatch(handlers, 'kvPut', { key: 'k', base64: over }), /over Consul's limit/);
  });

  test('only the keys the tests wrote are stored', async () => {
    assert.deepEqual((await storedKeys()).sort(), [...written].sort());
  });

  test('the first seconds of quorum loss give the plain quorum message, never a raw rpc error', async () => {
    const QUORUM = /^no cluster leader: quorum lost \(1 of 2 servers alive\): writes and consistent reads fail/;
    /** Writes through agent-client and the surviving server at once and in the first seconds after `victim` dies. */
    const firstSeconds = async (victim: string) => {
      const survivor = victim === 'agent-one' ? 'agent-two' : 'agent-one';
      await lab.kill(victim);
      const raw = fetch(`http://${SUBNET}.20:8500/v1/kv/quorum/raw`, { method: 'PUT', body: 'x' }).then((r) => r.text());
      const messages = await Promise.all(
        [0, 300, 1500].flatMap((ms) =>
          ['agent-client', survivor].map(async (via) => {
            await new Promise((r) => setTimeout(r, ms));
            return lab.kvPut(`quorum/${ms}-${via}`, 'x', via).then(
              () => 'the write succeeded',
              (e: Error) => e.message,
            );
          }),
        ),
      );
      for (const m of messages) assert.match(m, QUORUM, `${victim} killed`);
      return raw;
    };
    const leader = (await lab.snapshot()).leader!;
    // Consul's own words in the first instant: the RPC's failure, not "No cluster leader".
    assert.match(await firstSeconds(leader), /rpc error getting client: failed to get conn: dial tcp .*connection refused/);
    await lab.rejoin(leader);
    const next = await eventually('a leader again', 20_000, async () => (await lab.snapshot()).leader);
    const follower = next === 'agent-one' ? 'agent-two' : 'agent-one';
    assert.match(await firstSeconds(follower), /leadership lost while committing log|rpc error getting client|No cluster leader/);
  });
});
