/**
 * The Go Micro Greeter's programs: built from the Go module proxy (greeter/, pinned go-micro.dev/v5 v5.30.0) for
 * the host and the VMs, static, cached by the source's content, without jwt-go; and refused in one line where
 * neither Go nor a build exists.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../main/common/names.js';
import {
  PROGRAMS,
  allPlatforms,
  ensureGreeter,
  greeterUnavailable,
  hostPlatform,
  linuxPlatform,
  programFile,
  shipGreeter,
  sourceDir,
  sourceHash,
} from '../main/engine/greeter/binaries.js';
import { ROOT } from './helpers.js';

const go = spawnSync('go', ['version']).error ? null : 'go';

test('greeter/ pins go-micro.dev/v5 v5.30.0 with a committed go.sum', () => {
  const src = sourceDir();
  assert.equal(src, join(ROOT, 'greeter'));
  assert.match(readFileSync(join(src, 'go.mod'), 'utf8'), /^\tgo-micro\.dev\/v5 v5\.30\.0$/m);
  assert.match(readFileSync(join(src, 'go.sum'), 'utf8'), /^go-micro\.dev\/v5 v5\.30\.0 h1:/m);
});

test('the cache key follows the source: a changed .go file is a new build', () => {
  const copy = mkdtempSync(join(tmpdir(), 'consul-lab-greeter-src-'));
  try {
    cpSync(sourceDir()!, copy, { recursive: true });
    const before = sourceHash(copy);
    assert.equal(before, sourceHash(sourceDir()!));
    const main = join(copy, 'cmd', 'greeter-service', 'main.go');
    writeFileSync(main, `${readFileSync(main, 'utf8')}\n// changed\n`);
    assert.notEqual(sourceHash(copy), before);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('the platforms: the host and the VMs, named as Go names them', () => {
  assert.deepEqual(allPlatforms(), [...new Set([hostPlatform(), 'linux-amd64', 'linux-arm64'])]);
  assert.deepEqual(['x86_64', 'aarch64', 'arm64', 'riscv64'].map(linuxPlatform), ['linux-amd64', 'linux-arm64', 'linux-arm64', null]);
});

const withGo = { skip: !go && 'Go is not installed', timeout: 600_000 };

test('built for each platform: static (CGO off), without jwt-go; shipped for dist', withGo, async () => {
  const dir = await ensureGreeter(allPlatforms());
  for (const platform of allPlatforms()) {
    const [goos, goarch] = platform.split('-');
    for (const p of PROGRAMS) {
      const info = execFileSync('go', ['version', '-m', programFile(dir, platform, p)], { encoding: 'utf8' });
      assert.match(info, /\tbuild\tCGO_ENABLED=0$/m, `${platform}/${p}`);
      assert.match(info, new RegExp(`\\tbuild\\tGOOS=${goos}$`, 'm'));
      assert.match(info, new RegExp(`\\tbuild\\tGOARCH=${goarch}$`, 'm'));
      assert.match(info, /\tdep\tgo-micro\.dev\/v5\tv5\.30\.0\t/);
      assert.doesNotMatch(info, /jwt-go|dgrijalva/i, `${platform}/${p} links jwt-go`);
    }
  }
  const out = mkdtempSync(join(tmpdir(), 'consul-lab-ship-'));
  try {
    await shipGreeter(join(out, 'greeter-bin'), () => undefined);
    for (const platform of allPlatforms()) {
      for (const p of PROGRAMS) assert.ok(existsSync(programFile(join(out, 'greeter-bin'), platform, p)), `${platform}/${p} shipped`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the programs refuse bad flags in one line', withGo, async () => {
  const platform = hostPlatform();
  const dir = await ensureGreeter([platform]);
  const run = (p: (typeof PROGRAMS)[number], args: string[]) =>
    spawnSync(programFile(dir, platform, p), args, { encoding: 'utf8', timeout: 10_000 });
  const ttl = run('greeter-service', ['--register_ttl', '5', '--register_interval', '5']);
  assert.equal(ttl.status, 2);
  assert.match(ttl.stderr, /register_interval must be at least 1 s and less than register_ttl \(got 5 s and 5 s\)/);
  const count = run('greeter-client', ['--count', '0']);
  assert.equal(count.status, 2);
  assert.match(count.stderr, /--count must be from 1 to 10000, got 0/);
  const noAgent = run('greeter-service', ['--registry_address', '127.0.0.1:1']);
  assert.equal(noAgent.status, 1);
  assert.match(noAgent.stderr, /no Consul agent answers at 127\.0\.0\.1:1/);
});

test('without Go and without a build: one line saying how to get it', async () => {
  const saved = { PATH: process.env.PATH, CONSUL_LAB_CACHE: process.env.CONSUL_LAB_CACHE };
  const cache = mkdtempSync(join(tmpdir(), 'consul-lab-nocache-'));
  process.env.PATH = dirname(process.execPath);
  process.env.CONSUL_LAB_CACHE = cache;
  try {
    const line = greeterUnavailable();
    assert.match(line ?? '', /^The Go Micro Greeter is not built and Go is not installed: install Go 1\.24 or later \(https:\/\/go\.dev/);
    assert.doesNotMatch(line!, /\n/);
    const refused = (e: Error) => e instanceof InputError && /and Go is not installed/.test(e.message);
    await assert.rejects(ensureGreeter([hostPlatform()]), refused);
  } finally {
    Object.assign(process.env, saved);
    if (saved.CONSUL_LAB_CACHE === undefined) delete process.env.CONSUL_LAB_CACHE;
    rmSync(cache, { recursive: true, force: true });
  }
});
