// `npm start`: installs what is missing (the npm packages, the consul binary, Electron's binary where it can be
// downloaded), builds when the build is older than the sources, then opens the desktop app. Where no Electron
// binary can be had (or there is no display for it), it says why in one line and serves the same window to the
// browser on the embedded local lab instead (`consul-lab ui --open`), printing its URL.
// Node's built-ins only until the install is done. Arguments after `--` go to the app or to `consul-lab ui`
// (e.g. `npm start -- --port 8080`, `npm start -- --lab DIR --subnet 127.0.48`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ELECTRON_HOW_TO, ROOT, electronBinary, electronMissingReason, ensureConsul, ensureNpmPackages, fetchElectron } from './setup.js';

const args = process.argv.slice(2);
const say = (line) => process.stderr.write(`${line}\n`);

if (!ensureNpmPackages()) process.exit(1);
if (!ensureConsul({ quiet: true })) {
  say('npm start: no consul binary could be found or made (see above); the lab window still opens, and says so at Bring up');
}

// The build, unless it is newer than every source it is made of.
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = st.mtimeMs;
  for (const e of readdirSync(path)) n = Math.max(n, newest(join(path, e)));
  return n;
}
const outputs = ['out/main/cli/index.js', 'out/main/electron/main.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((f) =>
  join(ROOT, f),
);
const sources = [
  'main',
  'preload',
  'renderer',
  'package-lock.json',
  'vite.config.ts',
  'tsconfig.json',
  'tsconfig.node.json',
  'scripts/build.js',
];
const built = outputs.every((f) => existsSync(f)) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
if (built <= Math.max(...sources.map((s) => newest(join(ROOT, s))))) {
  say('npm start: building the app');
  if (spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: 'inherit' }).status !== 0) {
    say('npm start: the build failed (see above)');
    process.exit(1);
  }
}

const display = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
let electron = electronBinary();
if (!electron && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) electron = fetchElectron();

let child;
if (electron && display) {
  child = spawn(electron, ['.', ...args], { cwd: ROOT, stdio: 'inherit' });
} else {
  say(
    electron
      ? 'npm start: there is no display for the desktop app here (neither DISPLAY nor WAYLAND_DISPLAY is set), ' +
          'so the lab window is served to a browser instead, at the URL below.'
      : `npm start: no Electron binary (${electronMissingReason()}; ${ELECTRON_HOW_TO}), ` +
          'so the lab window opens in your browser instead, at the URL below.',
  );
  child = spawn(process.execPath, [join(ROOT, 'bin', 'consul-lab.js'), 'ui', ...(display ? ['--open'] : []), ...args], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

// Ctrl-C reaches the child as well (one process group); a signal sent to this process alone is passed on (as
// SIGTERM, which both the app and the web host take as "stop") if the child has not stopped by itself.
let passed = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (passed) return;
    passed = true;
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), 2000).unref();
  });
}
child.on('error', (err) => {
  say(`npm start: could not start ${electron && display ? 'Electron' : 'the web host'}: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
