// The test command (`npm test`), complete on a fresh clone: it first installs what is missing (the Debian packages
// the suites need, as root or with passwordless sudo; the npm packages; the consul binary), then runs the strict
// typecheck, the layering rule, the linter and the format check (Biome), the 140-character line check, the Node
// suites against real Consul, the build, the Playwright suites in Debian's Chromium, and last the fresh-clone check:
// the committed HEAD cloned into a temporary folder, with no node_modules, passes this same command there (skipped
// inside that run: CONSUL_LAB_NESTED=1). Ends with one summary line. Node's built-ins only until the install is done.
//   npm test                      everything
//   npm test -- test/kv.test.ts   the set-up and the given Node suites, then the rest
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, ensureNpmPackages, ensureSystemPackages } from './setup.js';

process.chdir(ROOT);
const node = process.execPath;
const nested = process.env.CONSUL_LAB_NESTED === '1';
const steps = [];
let failedSteps = 0;
let passed = 0;
let failed = 0;
let skipped = 0;

const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
function record(name, ok, t0, note = '') {
  if (!ok) failedSteps++;
  steps.push(`${ok ? 'ok  ' : 'FAIL'} ${name} (${secs(t0)})${note ? `: ${note}` : ''}`);
  return ok;
}
function step(name, cmd, args, env = {}) {
  process.stdout.write(`\n=== ${name}\n`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return record(name, r.status === 0, t0);
}
function stepFn(name, fn) {
  process.stdout.write(`\n=== ${name}\n`);
  const t0 = Date.now();
  return record(name, fn(), t0);
}
const started = Date.now();
function summary() {
  process.stdout.write(`\n${steps.join('\n')}\nin all: ${secs(started)}\n`);
  process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(failedSteps || failed ? 1 : 0);
}

// The commit the fresh-clone check takes: HEAD as this run starts (committed state only).
const git = spawnSync('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
const head = git.status === 0 ? git.stdout.trim() : null;

rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });

// ---- set-up: whatever a fresh clone on a fresh machine lacks ---------------------------------------------------
stepFn('system packages (Debian: chromium, ruby, vagrant-lxc, build tools)', ensureSystemPackages);
if (!stepFn('npm packages', ensureNpmPackages)) summary();
// Finds the consul binary, or builds it (Go, from the module proxy) or downloads it on the first run.
step('consul binary', node, ['bin/consul-lab.js', 'consul', 'ensure']);
// The Go Micro Greeter's programs, built from the Go module proxy (cached by source) before the suites use them.
step('Go Micro Greeter programs', node, ['bin/consul-lab.js', 'greeter', 'ensure']);

// ---- the checks and suites -------------------------------------------------------------------------------------
step('typecheck (node: main, preload, tests)', node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (web: renderer)', node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.web.json', '--noEmit']);
step('layering rule', node, ['scripts/check-layers.js', '.']);
// Lint and format check together, writing nothing; then what the formatter leaves long (strings, comments).
step('lint and format (biome ci)', node, ['node_modules/@biomejs/biome/bin/biome', 'ci', '.']);
step('no line over 140 characters', node, ['scripts/check-lines.js', '.']);
// Node 20's runner takes no globs: the suites are listed here.
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync('test')
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => `test/${f}`);
step('node suites (real Consul)', node, [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  '--test-reporter-destination=test-results/node.tap',
  ...files,
]);
const tap = existsSync('test-results/node.tap') ? readFileSync('test-results/node.tap', 'utf8') : '';
const count = (k) => Number((new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap) ?? [])[1] ?? 0);
passed += count('pass');
failed += count('fail') + count('cancelled');
skipped += count('skipped');

if (existsSync('playwright.config.ts') && step('build', node, ['scripts/build.js'])) {
  const pw = 'node_modules/@playwright/test/cli.js';
  const projects = [];
  if (!existsSync('/usr/bin/chromium')) {
    // Without Debian's Chromium the web project cannot run: its tests are counted as skipped, with the reason.
    const list = spawnSync(node, [pw, 'test', '--list', '--project=web'], { encoding: 'utf8' });
    const n = Number(/Total: (\d+) tests?/.exec(list.stdout ?? '')?.[1] ?? 0);
    skipped += n;
    process.stdout.write(
      `\n# playwright web project skipped (${n} tests): ` +
        'no /usr/bin/chromium (Debian package chromium: sudo bash scripts/system-packages.sh)\n',
    );
    projects.push('--project=electron');
  }
  step(
    `playwright (${projects.length ? '' : 'web: Chromium; '}electron: where a binary exists)`,
    node,
    [pw, 'test', ...projects, '--reporter=list,json'],
    {
      PLAYWRIGHT_JSON_OUTPUT_NAME: 'test-results/playwright.json',
    },
  );
  try {
    const e2e = JSON.parse(readFileSync('test-results/playwright.json', 'utf8')).stats;
    passed += e2e.expected ?? 0;
    failed += (e2e.unexpected ?? 0) + (e2e.flaky ?? 0);
    skipped += e2e.skipped ?? 0;
  } catch {
    // no report: the step's failure says it
  }
}

// ---- the fresh-clone check -------------------------------------------------------------------------------------
// The committed HEAD, cloned into a temporary folder (no node_modules, no build, no test results), runs this same
// command, `npm test`, to green, after the suites above have finished (they share the vagrant suite's fixed
// 172.20.20.x addresses). It reuses the machine's caches (npm's, Go's, the consul tool cache, the vagrant box).
// One test in the summary.
if (nested) {
  // inside the fresh clone's own run
} else if (!head) {
  skipped++;
  process.stdout.write('\n# fresh-clone check skipped: this is not a git work tree with a commit\n');
} else if (process.argv.slice(2).length) {
  skipped++;
  process.stdout.write('\n# fresh-clone check skipped: only some suites were asked for\n');
} else {
  process.stdout.write(
    `\n=== fresh clone: npm test in a clone of HEAD ${head.slice(0, 12)} (committed state only: uncommitted changes are not in it)\n`,
  );
  const t0 = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'consul-lab-fresh-'));
  const dir = join(tmp, 'consul-lab');
  const log = join(ROOT, 'test-results', 'fresh-clone.log');
  let ok = false;
  let result = 'the clone failed';
  const clone = spawnSync('git', ['clone', '--quiet', '--no-checkout', ROOT, dir], { stdio: 'inherit' });
  if (clone.status === 0 && spawnSync('git', ['-C', dir, 'checkout', '--quiet', '--detach', head], { stdio: 'inherit' }).status === 0) {
    // As a user types it: npm's own variables of this run are not passed on.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^INIT_CWD$/i.test(k)));
    env.CONSUL_LAB_NESTED = '1';
    const npmCli = process.env.npm_execpath;
    const [cmd, pre] = npmCli && /\.[cm]?js$/.test(npmCli) ? [node, [npmCli]] : ['npm', []];
    const fd = openSync(log, 'w');
    const r = spawnSync(cmd, [...pre, 'test'], {
      cwd: dir,
      env,
      stdio: ['ignore', fd, fd],
      shell: cmd === 'npm' && process.platform === 'win32',
    });
    closeSync(fd);
    const out = readFileSync(log, 'utf8');
    const lines = out.trimEnd().split('\n');
    const stepLines = lines.filter((l) => /^(ok {2}|FAIL) /.test(l));
    result = [...lines].reverse().find((l) => /^tests: \d+ passed/.test(l)) ?? `no summary line (exit ${r.status ?? r.signal})`;
    ok = r.status === 0;
    process.stdout.write(`${stepLines.map((l) => `  ${l}`).join('\n')}\n  ${result}\n`);
    if (!ok) process.stdout.write(`--- the last 150 lines of its output (all of it: ${log}):\n${lines.slice(-150).join('\n')}\n---\n`);
  }
  if (ok) passed++;
  else failed++;
  record('fresh clone: npm test', ok, t0, result);
  if (ok || process.env.CI) rmSync(tmp, { recursive: true, force: true });
  else process.stdout.write(`the clone is kept for a look: ${dir}\n`);
}

summary();
