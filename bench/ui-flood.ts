/**
 * bench/ui-flood: is the lab window still responsive under a log flood?
 *
 * Brings a lab up through the window (web host + Debian Chromium), switches every agent to TRACE, then floods:
 * a generator appends synthetic log lines to every agent's log (followed by the host as 'log' events) while
 * agent-client's shell prints millions of lines. Meanwhile it records the page's frame times (requestAnimationFrame)
 * and the renderer's JS heap (after a forced GC), and reports p50/p95/max frame time and heap over time.
 *
 * Goal: p95 frame time under 50 ms; heap bounded (the second half of the flood does not grow it further).
 *
 *   node --import tsx bench/ui-flood.ts [--seconds 30] [--rate-kb 512] [--subnet 127.0.38]
 */
import { chromium, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabSpec } from '../main/common/types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'consul-lab.js');

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}
const SECONDS = Number(flag('seconds', '30'));
const RATE_KB = Number(flag('rate-kb', '512')); // per node per second
const SUBNET = flag('subnet', '127.0.38');
const GOAL_P95_MS = 50;

function startHost(dir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'ui', '--lab', dir, '--subnet', SUBNET, '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`web host exited with ${code}`)));
  });
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / (1024 * 1024);
}

async function main(): Promise<number> {
  if (process.env.E2E_SKIP_BUILD !== '1') {
    const b = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (b.status !== 0) throw new Error('vite build failed');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'consul-lab-flood-'));
  const dir = join(tmp, 'lab');
  const { child, url } = await startHost(dir);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  let generator: NodeJS.Timeout | null = null;
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(url);
    await page.getByRole('button', { name: 'Bring up', exact: true }).click();
    await page
      .getByRole('table', { name: 'consul members' })
      .getByRole('row')
      .filter({ hasText: 'alive' })
      .nth(2)
      .waitFor({ timeout: 90_000 });

    // Every agent at TRACE: an extra config file, then a reload (log_level is reloadable).
    const spec = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabSpec;
    for (const n of spec.nodes) {
      const cfg = join(dir, 'nodes', n.name, 'config');
      mkdirSync(cfg, { recursive: true });
      writeFileSync(join(cfg, 'zz-trace.json'), JSON.stringify({ log_level: 'TRACE' }));
      await fetch(`http://${n.address}:${n.ports.http}/v1/agent/reload`, { method: 'PUT' }).catch(() => undefined);
    }

    // Open agent-client's shell and start the frame-time probe.
    const client = page.getByRole('region', { name: 'agent-client', exact: true });
    await client.getByRole('tab', { name: 'shell' }).click();
    await client.getByText('Ctrl+Shift+C copy').waitFor();
    const heapStart = await heapMb(page);
    // In-page code as a string: no DOM types in the Node build, and no bundler helpers in the page.
    await page.evaluate(`(() => {
      window.__frames = [];
      window.__stop = false;
      let last = performance.now();
      const tick = (t) => {
        window.__frames.push(t - last);
        last = t;
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);

    // The generator: synthetic TRACE-like lines appended to each agent's log, RATE_KB per node per second.
    const line = (n: string, i: number) =>
      `${new Date().toISOString()} [TRACE] agent.flood: generated line: node=${n} seq=${i} payload=${'x'.repeat(80)}\n`;
    let seq = 0;
    const perTick = Math.max(1, Math.round((RATE_KB * 1024) / 10 / line('agent-one', 0).length));
    generator = setInterval(() => {
      for (const n of spec.nodes) {
        let chunk = '';
        for (let i = 0; i < perTick; i++) chunk += line(n.name, seq++);
        appendFileSync(join(dir, 'nodes', n.name, 'agent.log'), chunk);
      }
    }, 100);
    await client.getByLabel('agent-client shell', { exact: true }).click();
    await page.keyboard.type('seq 1 3000000\n');

    const heap: { t: number; mb: number }[] = [{ t: 0, mb: heapStart }];
    const clickLatency: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 5000));
      // Responsiveness as a user feels it: open and close the shortcuts dialog.
      const c0 = Date.now();
      await page.getByRole('button', { name: 'Shortcuts', exact: true }).click();
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      clickLatency.push(Date.now() - c0);
      await page.keyboard.press('Escape');
      heap.push({ t: Math.round((Date.now() - t0) / 1000), mb: await heapMb(page) });
    }
    clearInterval(generator);
    generator = null;
    const frames = (await page.evaluate('(() => { window.__stop = true; return window.__frames.slice(1); })()')) as number[];
    const sorted = [...frames].sort((a, b) => a - b);
    const half = heap.slice(Math.ceil(heap.length / 2));
    const firstHalfPeak = Math.max(...heap.slice(0, Math.ceil(heap.length / 2)).map((h) => h.mb));
    const secondHalfPeak = Math.max(...half.map((h) => h.mb));
    const result = {
      seconds: SECONDS,
      logRateKbPerNode: RATE_KB,
      generatedLines: seq,
      frames: frames.length,
      frameMs: {
        p50: +pct(sorted, 50).toFixed(1),
        p95: +pct(sorted, 95).toFixed(1),
        p99: +pct(sorted, 99).toFixed(1),
        max: +(sorted.at(-1) ?? NaN).toFixed(1),
      },
      clickToDialogMs: clickLatency,
      heapMb: heap.map((h) => ({ t: h.t, mb: +h.mb.toFixed(1) })),
      heapBounded: secondHalfPeak <= firstHalfPeak * 1.25 + 5,
      goalP95Ms: GOAL_P95_MS,
      pass: pct(sorted, 95) < GOAL_P95_MS,
    };
    const outDir = join(ROOT, 'test-results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'ui-flood.json'), JSON.stringify(result, null, 2));
    await page.screenshot({ path: join(outDir, 'ui-flood.png') });
    console.log(JSON.stringify({ ...result, heapMb: undefined }));
    console.log(
      `ui-flood: p95 frame ${result.frameMs.p95} ms (goal < ${GOAL_P95_MS}), heap ${result.heapMb.map((h) => h.mb).join(' → ')} MB, ` +
        `${result.heapBounded ? 'bounded' : 'GROWING'}: ${result.pass && result.heapBounded ? 'PASS' : 'FAIL'}`,
    );
    return result.pass && result.heapBounded ? 0 : 1;
  } finally {
    if (generator) clearInterval(generator);
    await browser.close().catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    spawnSync(process.execPath, [CLI, 'destroy', '--lab', dir, '--quiet'], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`ui-flood: ${err.message}`);
    process.exit(2);
  },
);
