// What `npm start` and `npm test` install for themselves on a fresh clone, before anything else runs: the npm
// packages (when node_modules is missing or does not match package-lock.json), the Debian packages the suites need
// (as root or with passwordless sudo), the consul binary, and Electron's binary (where it can be downloaded).
// Node's built-ins only: this runs before `npm install` has.
//
//   node scripts/setup.js [--system]    the npm packages and the consul binary (--system: the Debian packages first)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (...p) => join(ROOT, ...p);
const say = (line) => process.stderr.write(`${line}\n`);

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** npm itself: the one running this script (`npm test`, `npm start`), else the one on PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /\.[cm]?js$/.test(cli) && existsSync(cli)) return { cmd: process.execPath, pre: [cli], shell: false };
  return { cmd: 'npm', pre: [], shell: process.platform === 'win32' };
}

/**
 * Why node_modules must be installed, or null when it matches package-lock.json: every package of the lock is
 * installed at its version (npm's record of what it installed, node_modules/.package-lock.json, and the folder
 * itself), and package.json asks for what the lock holds.
 */
export function npmPackagesOutdated() {
  const lock = readJson(at('package-lock.json'));
  const pkg = readJson(at('package.json'));
  const installed = readJson(at('node_modules', '.package-lock.json'));
  if (!installed) return 'node_modules is not installed';
  if (!lock?.packages?.['']) return 'there is no package-lock.json';
  const root = lock.packages[''];
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(pkg?.[field] ?? {})) {
      if (root[field]?.[name] !== spec) return `package.json asks for ${name}@${spec}, which package-lock.json does not hold`;
    }
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    const have = installed.packages?.[path];
    // Optional packages (esbuild's per-platform builds, say) are installed only where they fit.
    if (!have || !existsSync(at(path, 'package.json'))) {
      if (entry.optional || entry.devOptional) continue;
      return `${path.slice('node_modules/'.length)} is not installed`;
    }
    if (have.version !== entry.version)
      return `${path.slice('node_modules/'.length)} is ${have.version}, package-lock.json has ${entry.version}`;
  }
  return null;
}

/** Installs the npm packages when they are missing or do not match the lock: `npm ci`, or `npm install` when package.json changed. */
export function ensureNpmPackages() {
  const why = npmPackagesOutdated();
  if (!why) return true;
  const lock = readJson(at('package-lock.json'));
  const inSync = lock && !/package\.json asks for|no package-lock/.test(why);
  const args = inSync ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  say(`npm packages: ${why}: npm ${args[0]}`);
  const env = { ...process.env };
  // node-pty compiles at install; node-gyp takes the headers of the system's Node (Debian's nodejs-dev, or a
  // Node installed under /usr) rather than downloading them.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  const npm = npmCommand();
  const r = spawnSync(npm.cmd, [...npm.pre, ...args], { cwd: ROOT, stdio: 'inherit', env, shell: npm.shell });
  if (r.status !== 0) {
    say(`npm packages: npm ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`})`);
    return false;
  }
  return true;
}

/** The Debian packages of scripts/system-packages.sh that are not installed ([] when none, null when this is no Debian). */
export function missingSystemPackages() {
  if (
    process.platform !== 'linux' ||
    spawnSync('sh', ['-c', 'command -v dpkg-query && command -v apt-get'], { stdio: 'ignore' }).status !== 0
  )
    return null;
  const r = spawnSync('bash', [at('scripts', 'system-packages.sh'), '--missing'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout.split(/\s+/).filter(Boolean);
}

/**
 * The Debian packages the suites need (Chromium, Ruby, Vagrant with LXC, build tools): installed as root or with
 * passwordless sudo; otherwise it prints what is missing and the command to install it, and goes on (the suites
 * that need them then say why they skip or fail). False only when an install was tried and failed.
 */
export function ensureSystemPackages() {
  const missing = missingSystemPackages();
  if (missing === null) {
    say(
      'system packages: not a Debian or Ubuntu system; ' +
        'the suites need chromium (at /usr/bin/chromium) and ruby, the vagrant suite vagrant with vagrant-lxc',
    );
    return true;
  }
  if (missing.length === 0) {
    say('system packages: all present');
    return true;
  }
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) {
    say(`system packages missing: ${missing.join(' ')}`);
    say(
      '  install them with: sudo bash scripts/system-packages.sh   ' +
        '(going on without them: the suites that need them skip or fail, saying why)',
    );
    return true;
  }
  const r = spawnSync('bash', [at('scripts', 'system-packages.sh')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) say(`system packages: the install failed (exit ${r.status}); see apt-get's output above`);
  return r.status === 0;
}

/** The consul binary: found, or built (Go) or downloaded the first time, cached in the per-user tool cache. */
export function ensureConsul({ quiet = false } = {}) {
  const r = spawnSync(process.execPath, [at('bin', 'consul-lab.js'), 'consul', 'ensure'], {
    cwd: ROOT,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
  });
  return r.status === 0;
}

// ---- Electron's binary ----------------------------------------------------------------------------------------

const ELECTRON = at('node_modules', 'electron');
const NOTE = at('node_modules', '.cache', 'consul-lab', 'electron-download.txt');
export const ELECTRON_DOWNLOAD_TIMEOUT_S = Number(process.env.CONSUL_LAB_ELECTRON_TIMEOUT) || 300;

/** The Electron executable, or null when none is installed (ELECTRON_OVERRIDE_DIST_PATH is honoured, as by the package). */
export function electronBinary() {
  if (!existsSync(join(ELECTRON, 'package.json'))) return null;
  let rel = null;
  try {
    rel = readFileSync(join(ELECTRON, 'path.txt'), 'utf8').trim();
  } catch {
    rel = null;
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const file = override ? join(override, rel || 'electron') : rel ? join(ELECTRON, 'dist', rel) : null;
  return file && existsSync(file) ? file : null;
}

/** Why there is no Electron binary, in a few words, as the last download attempt recorded it. */
export function electronMissingReason() {
  if (!existsSync(join(ELECTRON, 'package.json'))) return 'the electron package is not installed';
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it was not downloaded';
  try {
    const note = readFileSync(NOTE, 'utf8').trim();
    if (note) return note;
  } catch {
    // no attempt recorded
  }
  return 'it was not downloaded at install';
}

export const ELECTRON_HOW_TO =
  'to get it, run `node node_modules/electron/install.js` where its download host is reachable, ' +
  'or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron build';

/**
 * Runs the electron package's own download (node_modules/electron/install.js) when its binary is missing and
 * ELECTRON_SKIP_BINARY_DOWNLOAD is not set, within a time limit. Never throws: returns the binary's path, or null
 * with the reason recorded for `npm start` and the Electron e2e project.
 */
export function fetchElectron({ timeoutS = ELECTRON_DOWNLOAD_TIMEOUT_S } = {}) {
  const have = electronBinary();
  if (have) return have;
  if (!existsSync(join(ELECTRON, 'install.js')) || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return null;
  const r = spawnSync(process.execPath, [join(ELECTRON, 'install.js')], {
    cwd: ELECTRON,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bin = electronBinary();
  mkdirSync(dirname(NOTE), { recursive: true });
  if (bin) {
    rmSync(NOTE, { force: true });
    return bin;
  }
  const out = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const cause =
    r.error?.code === 'ETIMEDOUT' || r.signal
      ? `its download did not finish within ${timeoutS} s`
      : `its download failed (${(/^\w*Error: .*$/m.exec(out)?.[0] ?? out.trim().split('\n')[0] ?? `exit ${r.status}`).slice(0, 160)})`;
  writeFileSync(NOTE, `${cause}\n`);
  return null;
}

// ---- as a command ----------------------------------------------------------------------------------------------

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ok = (!process.argv.includes('--system') || ensureSystemPackages()) && ensureNpmPackages() && ensureConsul();
  process.exit(ok ? 0 : 1);
}
