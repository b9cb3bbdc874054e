/**
 * On a user's machine with internet but without Go: fetch the official release archive and its SHA256SUMS,
 * verify the archive's checksum, and install the binary into the tool cache.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { extractFromZip } from './unzip.js';
import { CONSUL_VERSION, platformTriple, RELEASES_URL } from './release.js';

export interface DownloadOptions {
  version?: string;
  baseUrl?: string;
  os?: string;
  arch?: string;
  dest: string;
}

async function fetchBuffer(url: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    throw new Error(`cannot download ${url}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  if (!res.ok) throw new Error(`cannot download ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

export async function downloadRelease(opts: DownloadOptions): Promise<string> {
  const version = opts.version ?? CONSUL_VERSION;
  const base = (opts.baseUrl ?? process.env.CONSUL_LAB_RELEASES_URL ?? RELEASES_URL).replace(/\/+$/, '');
  const { os, arch } = opts.os && opts.arch ? { os: opts.os, arch: opts.arch } : platformTriple();
  const zipName = `consul_${version}_${os}_${arch}.zip`;
  const sumsName = `consul_${version}_SHA256SUMS`;
  const [zip, sums] = await Promise.all([fetchBuffer(`${base}/${version}/${zipName}`), fetchBuffer(`${base}/${version}/${sumsName}`)]);
  const line = sums
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((parts) => parts[1] === zipName);
  if (!line) throw new Error(`${sumsName} lists no checksum for ${zipName}: refusing an unverified download`);
  const actual = createHash('sha256').update(zip).digest('hex');
  if (actual !== line[0]!.toLowerCase()) {
    throw new Error(
      `checksum mismatch for ${zipName}: expected ${line[0]} from ${sumsName}, got ${actual}; ` +
        'the download is corrupt or was tampered with and was not installed',
    );
  }
  const binary = extractFromZip(zip, os === 'windows' ? 'consul.exe' : 'consul');
  mkdirSync(dirname(opts.dest), { recursive: true });
  const tmp = `${opts.dest}.download-${process.pid}`;
  writeFileSync(tmp, binary);
  chmodSync(tmp, 0o755);
  renameSync(tmp, opts.dest);
  return opts.dest;
}
