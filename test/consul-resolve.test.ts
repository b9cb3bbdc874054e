// The consul binary's resolution order, and the official-release download path tested against a loopback
// server that serves an archive and checksums made here (never the real release host).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import { downloadRelease } from '../main/engine/consul/download.js';
import { CONSUL_VERSION, isSupported } from '../main/engine/consul/release.js';
import { consulVersion, resolveConsul } from '../main/engine/consul/resolve.js';
import { tempDir } from './helpers.js';

/** A minimal zip writer (one deflated entry), so the test makes its own release archive. */
function zipOf(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const nameBuf = Buffer.from(name);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  central.writeUInt32LE(0o755 << 16, 38);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + nameBuf.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBuf.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, end]);
}

describe('official release download (loopback server)', () => {
  const fakeConsul = Buffer.from(`#!/bin/sh\necho "Consul v${CONSUL_VERSION}"\n`);
  const zipName = `consul_${CONSUL_VERSION}_linux_amd64.zip`;
  const zip = zipOf('consul', fakeConsul);
  const goodSums = `${createHash('sha256').update(zip).digest('hex')}  ${zipName}\n`;
  const badSums = `${'0'.repeat(64)}  ${zipName}\n`;
  let server: Server;
  let base = '';
  const requests: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      requests.push(req.url!);
      const [, set, version, file] = req.url!.split('/');
      if (version !== CONSUL_VERSION) return res.writeHead(404).end();
      if (file === zipName) return res.end(zip);
      if (file === `consul_${CONSUL_VERSION}_SHA256SUMS`) return res.end(set === 'good' ? goodSums : set === 'bad' ? badSums : '');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('a good archive is verified, unpacked and runs', async () => {
    const dest = join(tempDir(), 'bin', 'consul');
    const path = await downloadRelease({ baseUrl: `${base}/good`, os: 'linux', arch: 'amd64', dest });
    assert.equal(path, dest);
    assert.deepEqual(readFileSync(dest), fakeConsul);
    assert.deepEqual(consulVersion(dest), CONSUL_VERSION.split('.').map(Number));
    assert.ok(requests.includes(`/good/${CONSUL_VERSION}/${zipName}`));
  });

  test('a checksum mismatch is refused with a clear message and nothing is installed', async () => {
    const dest = join(tempDir(), 'bin', 'consul');
    await assert.rejects(downloadRelease({ baseUrl: `${base}/bad`, os: 'linux', arch: 'amd64', dest }), (err: Error) => {
      assert.match(err.message, /checksum mismatch for consul_.*_linux_amd64\.zip/);
      assert.match(err.message, /was not installed/);
      return true;
    });
    assert.equal(existsSync(dest), false);
  });

  test('sums that do not list the archive are refused', async () => {
    const dest = join(tempDir(), 'consul');
    await assert.rejects(downloadRelease({ baseUrl: `${base}/empty`, os: 'linux', arch: 'amd64', dest }), /lists no checksum for consul_/);
  });

  test('an unreachable release host names the URL', async () => {
    await assert.rejects(
      downloadRelease({ baseUrl: 'http://127.0.0.1:9', os: 'linux', arch: 'amd64', dest: join(tempDir(), 'c') }),
      /cannot download http:\/\/127\.0\.0\.1:9\//,
    );
  });
});

describe('resolution order', () => {
  test('the pinned build resolves to an MPL-2.0 release (1.10 to 1.16)', async () => {
    const c = await resolveConsul();
    assert.ok(isSupported(c.version.split('.').map(Number)), `consul v${c.version} is outside the MPL-2.0 range`);
    assert.ok(['cache', 'env', 'path'].includes(c.source));
  });

  test('CONSUL_LAB_CONSUL wins, and a bad value is a clear error', async () => {
    const real = (await resolveConsul()).path;
    process.env.CONSUL_LAB_CONSUL = real;
    try {
      assert.equal((await resolveConsul()).source, 'env');
      const bogus = join(tempDir(), 'not-consul');
      writeFileSync(bogus, '#!/bin/sh\nexit 3\n');
      chmodSync(bogus, 0o755);
      process.env.CONSUL_LAB_CONSUL = bogus;
      await assert.rejects(resolveConsul(), /CONSUL_LAB_CONSUL=.* is not a runnable consul binary: fix the path or unset it/);
    } finally {
      delete process.env.CONSUL_LAB_CONSUL;
    }
  });

  test('with an empty cache and no consul on PATH, the error says what to install', async () => {
    const saved = { cache: process.env.CONSUL_LAB_CACHE, path: process.env.PATH };
    process.env.CONSUL_LAB_CACHE = tempDir();
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(resolveConsul(), (err: Error) => {
        assert.match(err.message, /no usable consul binary was found/);
        assert.match(err.message, /install Go/);
        assert.match(err.message, /CONSUL_LAB_CONSUL/);
        return true;
      });
    } finally {
      process.env.CONSUL_LAB_CACHE = saved.cache;
      if (saved.cache === undefined) delete process.env.CONSUL_LAB_CACHE;
      process.env.PATH = saved.path;
    }
  });
});
