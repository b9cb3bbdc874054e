/**
 * Finds a real consul binary, in this order: $CONSUL_LAB_CONSUL, the tool cache, `consul` on PATH (if its
 * version is supported), a build from the Go module proxy (scripts/consul-build), the official release download.
 */
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { promisify } from 'node:util';
import { downloadRelease } from './download.js';
import { cacheDir } from './paths.js';
import { CONSUL_VERSION, isSupported, parseVersion } from './release.js';

const run = promisify(execFile);

export interface ResolvedConsul {
  path: string;
  version: string;
  source: 'env' | 'cache' | 'path' | 'go-build' | 'download';
}

export interface ResolveOptions {
  /** Allow slow paths (Go build, download). Off for commands that must answer at once. */
  obtain?: boolean;
  log?: (line: string) => void;
}

const exe = process.platform === 'win32' ? '.exe' : '';

export function cachedBinaryPath(version = CONSUL_VERSION): string {
  return join(cacheDir(), 'bin', `consul-${version}${exe}`);
}

export function consulVersion(path: string): [number, number, number] | null {
  try {
    return parseVersion(
      execFileSync(path, ['version'], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, CHECKPOINT_DISABLE: '1' } }),
    );
  } catch {
    return null;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name + exe);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The repository's scripts/consul-build wrapper module, when running from a checkout. */
export function buildModuleDir(): string | null {
  const mod = join(packageRoot(), 'scripts', 'consul-build');
  return existsSync(join(mod, 'go.mod')) ? mod : null;
}

export async function goBuild(dest: string, log: (line: string) => void): Promise<string> {
  const mod = buildModuleDir();
  if (!mod) throw new Error('the Go wrapper module scripts/consul-build is not part of this installation');
  const go = onPath('go');
  if (!go) throw new Error('go is not installed');
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.build-${process.pid}`;
  log(`building consul v${CONSUL_VERSION} from the Go module proxy with ${go} (about 3 minutes the first time)`);
  await run(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', tmp, 'github.com/hashicorp/consul'], {
    cwd: mod,
    env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  renameSync(tmp, dest);
  return dest;
}

export class ConsulNotFound extends Error {
  constructor(details: string[]) {
    super(
      [
        'no usable consul binary was found. Tried:',
        ...details.map((d) => `  - ${d}`),
        `Fix one of: set CONSUL_LAB_CONSUL=/path/to/consul; install Consul ${CONSUL_VERSION} (any 1.10–1.16 release) on PATH;`,
        '  install Go (https://go.dev/dl/) so that `npm run consul:ensure` builds it; ' +
          'or connect to the internet so it downloads the release.',
      ].join('\n'),
    );
    this.name = 'ConsulNotFound';
  }
}

const fmt = (v: readonly number[]) => v.join('.');

export async function resolveConsul(opts: ResolveOptions = {}): Promise<ResolvedConsul> {
  const log = opts.log ?? (() => undefined);
  const tried: string[] = [];

  const explicit = process.env.CONSUL_LAB_CONSUL;
  if (explicit) {
    const v = consulVersion(explicit);
    if (!v) throw new Error(`CONSUL_LAB_CONSUL=${explicit} is not a runnable consul binary: fix the path or unset it`);
    return { path: explicit, version: fmt(v), source: 'env' };
  }

  const cached = cachedBinaryPath();
  if (existsSync(cached)) {
    // Only a built or verified binary is ever renamed into the cache under its version's name, so a quick
    // look is enough when starting agents; `consul ensure` runs it to be sure.
    if (!opts.obtain && isExecutable(cached)) return { path: cached, version: CONSUL_VERSION, source: 'cache' };
    const cv = consulVersion(cached);
    if (cv) return { path: cached, version: fmt(cv), source: 'cache' };
  }
  tried.push(`the tool cache: ${cached} ${existsSync(cached) ? 'does not run' : 'does not exist'}`);

  const system = onPath('consul');
  if (system) {
    const v = consulVersion(system);
    if (v && isSupported(v)) return { path: system, version: fmt(v), source: 'path' };
    tried.push(`consul on PATH (${system}) is ${v ? `v${fmt(v)}, outside the supported 1.10–1.16 (MPL-2.0) range` : 'not runnable'}`);
  } else tried.push('consul on PATH: none');

  if (!opts.obtain) {
    tried.push('building or downloading was not attempted: run `npm run consul:ensure` (or `consul-lab consul ensure`)');
    throw new ConsulNotFound(tried);
  }

  try {
    const path = await goBuild(cached, log);
    return { path, version: CONSUL_VERSION, source: 'go-build' };
  } catch (err) {
    tried.push(`a Go build: ${(err as Error).message.split('\n')[0]}`);
  }

  try {
    log(`downloading the official consul v${CONSUL_VERSION} release and verifying its SHA256SUMS`);
    const path = await downloadRelease({ dest: cached });
    return { path, version: CONSUL_VERSION, source: 'download' };
  } catch (err) {
    tried.push(`the official release download: ${(err as Error).message}`);
  }
  throw new ConsulNotFound(tried);
}
