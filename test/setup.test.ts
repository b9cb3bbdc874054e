/**
 * The set-up that `npm start` and `npm test` do for themselves (scripts/setup.js, scripts/postinstall.js,
 * scripts/system-packages.sh), on copies in temporary folders with a stand-in electron package: a failed, hung or
 * skipped Electron download never fails the install and is explained in one line; npm packages are reinstalled
 * exactly when node_modules does not match the lock; the entry scripts need nothing but Node until the install.
 * (The real thing, a fresh clone through `npm test`, is the last step of `npm test` itself.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { ROOT, tempDir } from './helpers.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project folder holding copies of the set-up scripts, and an electron package whose install.js is `install`. */
function project(install: string | null): string {
  const dir = tempDir('consul-lab-setup-');
  dirs.push(dir);
  mkdirSync(join(dir, 'scripts'));
  for (const f of ['setup.js', 'postinstall.js']) copyFileSync(join(ROOT, 'scripts', f), join(dir, 'scripts', f));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', type: 'module' }));
  if (install !== null) {
    const e = join(dir, 'node_modules', 'electron');
    mkdirSync(e, { recursive: true });
    writeFileSync(join(e, 'package.json'), JSON.stringify({ name: 'electron', version: '39.0.0' }));
    writeFileSync(join(e, 'install.js'), install);
  }
  return dir;
}

function postinstall(dir: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ELECTRON_')));
  return spawnSync(process.execPath, [join(dir, 'scripts', 'postinstall.js')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...clean, ...env },
    timeout: 60_000,
  });
}
const note = (dir: string) => join(dir, 'node_modules', '.cache', 'consul-lab', 'electron-download.txt');

test('postinstall: a failed Electron download does not fail the install; one line says why and how to get it', () => {
  const dir = project(`console.error('RequestError: getaddrinfo ENOTFOUND downloads.invalid\\n    at somewhere'); process.exit(1);`);
  const r = postinstall(dir);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(
    lines[0]!.startsWith(
      'consul-lab: no Electron binary: its download failed (RequestError: getaddrinfo ENOTFOUND downloads.invalid); ' +
        'the install goes on without it',
    ),
    lines[0],
  );
  assert.match(lines[0]!, /node node_modules\/electron\/install\.js/);
  assert.equal(readFileSync(note(dir), 'utf8').trim(), 'its download failed (RequestError: getaddrinfo ENOTFOUND downloads.invalid)');
});

test('postinstall: a download that hangs is given up after the time limit', () => {
  const dir = project('setInterval(() => {}, 1000);');
  const t0 = Date.now();
  const r = postinstall(dir, { CONSUL_LAB_ELECTRON_TIMEOUT: '2' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 < 20_000, 'gave up in time');
  assert.match(r.stderr, /no Electron binary: its download did not finish within 2 s/);
});

test('postinstall: where the download works, the binary is installed and nothing is said', () => {
  const dir = project(`
    const fs = require('fs'), path = require('path');
    fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '#!/bin/sh\\n', { mode: 0o755 });
    fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');
  `);
  mkdirSync(join(dir, 'node_modules', '.cache', 'consul-lab'), { recursive: true });
  writeFileSync(note(dir), 'its download failed (an earlier try)\n');
  const r = postinstall(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(existsSync(join(dir, 'node_modules', 'electron', 'dist', 'electron')));
  assert.ok(!existsSync(note(dir)), 'the note of the earlier failure is gone');
  // Installed: a second install does not download again.
  writeFileSync(join(dir, 'node_modules', 'electron', 'install.js'), 'process.exit(7)');
  assert.equal(postinstall(dir).stderr, '');
});

test('postinstall: ELECTRON_SKIP_BINARY_DOWNLOAD is honoured; without the electron package (a dependency install) nothing happens', () => {
  const dir = project(`require('fs').writeFileSync(require('path').join(__dirname, 'ran'), '');`);
  const r = postinstall(dir, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(!existsSync(join(dir, 'node_modules', 'electron', 'ran')), "electron's install.js did not run");
  const bare = project(null);
  const b = postinstall(bare);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stderr, '');
});

test('npm packages are installed exactly when node_modules does not match package-lock.json', async () => {
  const dir = project(null);
  const setup = (await import(pathToFileURL(join(dir, 'scripts', 'setup.js')).href)) as { npmPackagesOutdated: () => string | null };
  const pkg = { name: 'p', version: '1.0.0', type: 'module', dependencies: { a: '^1.0.0' }, devDependencies: { b: '^2.0.0' } };
  const lock = {
    name: 'p',
    lockfileVersion: 3,
    packages: {
      '': { name: 'p', version: '1.0.0', dependencies: { a: '^1.0.0' }, devDependencies: { b: '^2.0.0' } },
      'node_modules/a': { version: '1.2.0' },
      'node_modules/b': { version: '2.1.0', dev: true },
      'node_modules/@x/linux-only': { version: '0.1.0', optional: true },
    },
  };
  const write = (file: string, v: unknown) => writeFileSync(join(dir, file), JSON.stringify(v));
  const installed = (packages: Record<string, unknown>) => {
    for (const p of Object.keys(packages)) {
      mkdirSync(join(dir, p), { recursive: true });
      writeFileSync(join(dir, p, 'package.json'), '{}');
    }
    write('node_modules/.package-lock.json', { name: 'p', lockfileVersion: 3, packages });
  };
  write('package.json', pkg);
  write('package-lock.json', lock);
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  assert.equal(setup.npmPackagesOutdated(), 'node_modules is not installed');

  installed({ 'node_modules/a': { version: '1.2.0' }, 'node_modules/b': { version: '2.1.0', dev: true } });
  assert.equal(setup.npmPackagesOutdated(), null, 'all there (the optional package of another platform is not needed)');

  write('package-lock.json', { ...lock, packages: { ...lock.packages, 'node_modules/a': { version: '1.3.0' } } });
  assert.equal(setup.npmPackagesOutdated(), 'a is 1.2.0, package-lock.json has 1.3.0');
  write('package-lock.json', lock);

  rmSync(join(dir, 'node_modules', 'b'), { recursive: true });
  assert.equal(setup.npmPackagesOutdated(), 'b is not installed');
  installed({ 'node_modules/a': { version: '1.2.0' }, 'node_modules/b': { version: '2.1.0', dev: true } });

  write('package.json', { ...pkg, devDependencies: { b: '^2.0.0', c: '^3.0.0' } });
  assert.equal(setup.npmPackagesOutdated(), 'package.json asks for c@^3.0.0, which package-lock.json does not hold');
});

test("the entry scripts of npm start and npm test use only Node's built-ins until the install is done", () => {
  for (const f of ['test.js', 'start.js', 'setup.js', 'postinstall.js']) {
    const src = readFileSync(join(ROOT, 'scripts', f), 'utf8');
    const specs = [...src.matchAll(/^\s*import\s[^'"]*?['"]([^'"]+)['"]/gm), ...src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
      (m) => m[1]!,
    );
    assert.ok(specs.length > 0, f);
    for (const s of specs) assert.ok(s.startsWith('node:') || s === './setup.js', `${f} imports ${s}`);
  }
});

test('system-packages.sh --missing lists what is missing and installs nothing', () => {
  const dir = tempDir('consul-lab-apt-');
  dirs.push(dir);
  const log = join(dir, 'calls');
  // Stand-ins: dpkg-query knows only ruby as installed; apt-get records that it was called.
  writeFileSync(join(dir, 'dpkg-query'), `#!/bin/sh\nfor a; do p=$a; done\n[ "$p" = ruby ] && printf 'install ok installed'\nexit 0\n`);
  writeFileSync(join(dir, 'apt-get'), `#!/bin/sh\necho apt-get "$@" >> ${log}\n`);
  writeFileSync(join(dir, 'sudo'), `#!/bin/sh\necho sudo "$@" >> ${log}\n`);
  for (const f of ['dpkg-query', 'apt-get', 'sudo']) chmodSync(join(dir, f), 0o755);
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'system-packages.sh'), '--missing'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
  });
  assert.equal(r.status, 0, r.stderr);
  const missing = r.stdout.trim().split(/\s+/);
  for (const p of ['chromium', 'vagrant', 'vagrant-lxc', 'build-essential', 'git']) assert.ok(missing.includes(p), `${p} in ${r.stdout}`);
  assert.ok(!missing.includes('ruby'), 'an installed package is not listed');
  assert.ok(!existsSync(log), 'nothing was installed');
});
