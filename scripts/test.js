// The test command (`npm test`): the consul binary, strict typecheck, the layering rule, the Node suites against real Consul,
// the build, and the Playwright suites in Debian's Chromium. Ends with one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const node = process.execPath;
const steps = [];
let failedSteps = 0;

function step(name, cmd, args, env = {}) {
  process.stdout.write(`\n=== ${name}\n`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  if (!ok) failedSteps++;
  steps.push(`${ok ? 'ok  ' : 'FAIL'} ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return ok;
}

rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });

// Finds the consul binary, or builds (Go) or downloads it on the first run: `npm install && npm test` is enough.
step('consul binary', node, ['bin/consul-lab.js', 'consul', 'ensure']);
step('typecheck (node: main, preload, tests)', node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (web: renderer)', node, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.web.json', '--noEmit']);
step('layering rule', node, ['scripts/check-layers.js', '.']);
// Node 20's runner takes no globs: the suites are listed here.
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync('test').filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/${f}`);
step('node suites (real Consul)', node, [
  '--import', 'tsx', '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', '--test-reporter-destination=test-results/node.tap',
  ...files,
]);
let e2e = null;
if (existsSync('playwright.config.ts') && step('build', node, ['scripts/build.js'])) {
  step('playwright (web: Chromium; electron: where a binary exists)', node, ['node_modules/@playwright/test/cli.js', 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: 'test-results/playwright.json',
  });
  try {
    e2e = JSON.parse(readFileSync('test-results/playwright.json', 'utf8')).stats;
  } catch {
    e2e = null;
  }
}

const tap = existsSync('test-results/node.tap') ? readFileSync('test-results/node.tap', 'utf8') : '';
const count = (k) => Number((new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap) ?? [])[1] ?? 0);
let passed = count('pass');
let failed = count('fail') + count('cancelled');
let skipped = count('skipped');
if (e2e) {
  passed += e2e.expected ?? 0;
  failed += (e2e.unexpected ?? 0) + (e2e.flaky ?? 0);
  skipped += e2e.skipped ?? 0;
}
process.stdout.write(`\n${steps.join('\n')}\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failedSteps || failed ? 1 : 0);
