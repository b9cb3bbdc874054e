/**
 * The Go Micro Greeter's programs, greeter-service and greeter-client (the Go module greeter/), found or built
 * the way the consul binary is: a packaged app brings them (npm run dist); otherwise they are built from the Go
 * module proxy with the machine's Go, static (CGO off) for each platform asked — the host's, and linux-amd64 or
 * linux-arm64 for VMs — and cached per content of the source (<tool cache>/greeter/<hash>/<platform>/), so that a
 * changed source is built anew.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../../common/names.js';
import { cacheDir } from '../consul/paths.js';
import { onPath } from '../consul/resolve.js';
import { packageRoot } from '../package-root.js';

const run = promisify(execFile);

export const PROGRAMS = ['greeter-service', 'greeter-client'] as const;
export type Program = (typeof PROGRAMS)[number];
/** A Go platform, GOOS-GOARCH: linux-amd64. */
export type Platform = string;
export const VM_PLATFORMS: Platform[] = ['linux-amd64', 'linux-arm64'];

const GOOS: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
const NOT_SHIPPED = 'this installation has no Greeter programs';
const HOW = 'install Go 1.24 or later (https://go.dev/dl/), then run consul-lab greeter ensure; the packaged app brings them';

export function hostPlatform(): Platform {
  return `${GOOS[process.platform] ?? process.platform}-${GOARCH[process.arch] ?? process.arch}`;
}

/** The host's platform and the VMs', each once: what greeter ensure builds and a packaged app ships. */
export function allPlatforms(): Platform[] {
  return [...new Set([hostPlatform(), ...VM_PLATFORMS])];
}

/** A Linux machine's platform from its `uname -m`; null for one the Greeter is not built for. */
export function linuxPlatform(machine: string): Platform | null {
  if (machine === 'x86_64') return 'linux-amd64';
  return machine === 'aarch64' || machine === 'arm64' ? 'linux-arm64' : null;
}

const exe = (platform: Platform) => (platform.startsWith('windows-') ? '.exe' : '');

export function programFile(dir: string, platform: Platform, program: Program): string {
  return join(dir, platform, program + exe(platform));
}

const complete = (dir: string, platform: Platform) => PROGRAMS.every((p) => existsSync(programFile(dir, platform, p)));

/** The Go module, in a checkout or an npm install; a packaged app has none. */
export function sourceDir(): string | null {
  const dir = join(packageRoot(), 'greeter');
  return existsSync(join(dir, 'go.mod')) ? dir : null;
}

/** Where a packaged app keeps the programs: outside its asar archive, so that they can run. */
export function shippedDir(): string {
  return join(packageRoot(), 'out', 'greeter-bin').replace(`${sep}app.asar${sep}`, `${sep}app.asar.unpacked${sep}`);
}

/** The source's identity: go.mod, go.sum and every .go file, by path and content. */
export function sourceHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.go$|^go\.(mod|sum)$/.test(e.name))
        hash
          .update(`${relative(dir, p)}\0`)
          .update(readFileSync(p))
          .update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 16);
}

export function builtDir(src: string): string {
  return join(cacheDir(), 'greeter', sourceHash(src));
}

/** Why Greeter instances cannot run here, in one line, or null when they can (built, or Go is there to build them). */
export function greeterUnavailable(): string | null {
  const src = sourceDir();
  if (!src) return complete(shippedDir(), hostPlatform()) ? null : `${NOT_SHIPPED} for ${hostPlatform()}: reinstall it`;
  if (complete(builtDir(src), hostPlatform()) || onPath('go')) return null;
  return `The Go Micro Greeter is not built and Go is not installed: ${HOW}.`;
}

const building = new Map<string, Promise<void>>();

async function build(go: string, src: string, dir: string, platform: Platform, log: (line: string) => void): Promise<void> {
  const [goos, goarch] = platform.split('-');
  const tmp = join(dir, `.build-${platform}-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const t0 = Date.now();
  log(`building the Go Micro Greeter for ${platform} with ${go} (about a minute the first time)`);
  try {
    const args = ['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', tmp + sep, ...PROGRAMS.map((p) => `./cmd/${p}`)];
    await run(go, args, {
      cwd: src,
      env: { ...process.env, CGO_ENABLED: '0', GOOS: goos, GOARCH: goarch, GOFLAGS: '-mod=readonly' },
      maxBuffer: 16 * 1024 * 1024,
    });
    mkdirSync(join(dir, platform), { recursive: true });
    for (const p of PROGRAMS) renameSync(join(tmp, p + exe(platform)), programFile(dir, platform, p));
    log(`built the Go Micro Greeter for ${platform} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${join(dir, platform)}`);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    const why = (e.stderr || e.message).trim().split('\n').slice(-5).join('; ');
    throw new Error(`building the Go Micro Greeter for ${platform} failed: ${why}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The directory that holds the programs for each of `platforms` (in <dir>/<platform>/), building the missing
 * ones with Go; refused in one line when they are missing and cannot be built.
 */
export async function ensureGreeter(platforms: Platform[], log: (line: string) => void = () => undefined): Promise<string> {
  const src = sourceDir();
  if (!src) {
    const dir = shippedDir();
    const missing = platforms.filter((p) => !complete(dir, p));
    if (missing.length) throw new InputError(`${NOT_SHIPPED} for ${missing.join(', ')} (in ${dir}): reinstall it`);
    return dir;
  }
  const dir = builtDir(src);
  const missing = platforms.filter((p) => !complete(dir, p));
  if (!missing.length) return dir;
  const go = onPath('go');
  if (!go) throw new InputError(`The Go Micro Greeter is not built for ${missing.join(', ')} and Go is not installed: ${HOW}.`);
  for (const p of missing) {
    const key = join(dir, p);
    const pending = building.get(key) ?? build(go, src, dir, p, log).finally(() => building.delete(key));
    building.set(key, pending);
    await pending;
  }
  return dir;
}

/** For npm run dist: the programs for the host and the VMs, copied where a packaged app finds them. */
export async function shipGreeter(dest: string, log: (line: string) => void): Promise<void> {
  const dir = await ensureGreeter(allPlatforms(), log);
  rmSync(dest, { recursive: true, force: true });
  for (const p of allPlatforms()) cpSync(join(dir, p), join(dest, p), { recursive: true });
}
