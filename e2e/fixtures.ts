/**
 * Fixtures of the web tests: a web host (`consul-lab ui`) on a temporary lab at a loopback subnet of its own
 * (127.0.30-39, one per spec file), stopped and destroyed afterwards so no agent outlives the test.
 */
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'consul-lab.js');

export interface LabHost {
  url: string;
  dir: string;
  subnet: string;
}

/** The URL the web host prints once it serves. */
export function hostUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the web host did not print its URL within 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web host exited with ${code}: ${err}`));
    });
  });
}

async function startHost(dir: string, subnet: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'ui', '--lab', dir, '--subnet', subnet, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, url: await hostUrl(child) };
}

export async function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(t);
}

export const test = base.extend<{ labPage: Page }, { subnet: string; labHost: LabHost }>({
  subnet: ['127.0.30', { scope: 'worker', option: true }],
  labHost: [
    async ({ subnet }, use) => {
      const tmp = mkdtempSync(join(tmpdir(), 'consul-lab-e2e-'));
      const dir = join(tmp, 'lab');
      const { child, url } = await startHost(dir, subnet);
      try {
        await use({ url, dir, subnet });
      } finally {
        await stopHost(child);
        // Stop every agent and Greeter of the lab and delete it, whatever the test left running.
        const r = spawnSync(process.execPath, [CLI, 'destroy', '--lab', dir, '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0) console.error(`destroy of ${dir} failed: ${r.stderr}`);
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  labPage: async ({ page, labHost }, use) => {
    await page.goto(labHost.url);
    await expect(page.getByRole('button', { name: 'Bring up', exact: true })).toBeVisible();
    await use(page);
  },
});

export { expect };

/** A screenshot of the whole window, saved as a test artifact (and attached to the report). */
export async function shot(page: Page, info: TestInfo, name: string): Promise<void> {
  // Let the last snapshot paint and the terminals settle.
  await page.waitForTimeout(300);
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: 'image/png' });
}

/** The node panel of one node: a region named after it. */
export function nodePanel(page: Page, name: string) {
  return page.getByRole('region', { name, exact: true });
}

/** Brings the lab up with the header's button and waits for three alive members and a leader. */
export async function bringUp(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Bring up', exact: true }).click();
  const members = page.getByRole('table', { name: 'consul members' });
  await expect(members.getByRole('row').filter({ hasText: 'alive' })).toHaveCount(3, { timeout: 90_000 });
  await expect(page.getByRole('region', { name: /^agent-/ }).getByLabel('leader', { exact: true })).toHaveCount(1, { timeout: 60_000 });
}

/** The tutorial's KV step by clicks: put hello=world through agent-client, get it through agent-one. */
export async function putThroughClientGetOnServer(page: Page): Promise<void> {
  const kv = page.getByRole('region', { name: 'Key/Value' });
  await kv.getByLabel('Key', { exact: true }).fill('hello');
  await kv.getByLabel('Value', { exact: true }).fill('world');
  await kv.getByLabel('Through').selectOption('agent-client');
  await kv.getByRole('button', { name: 'Put', exact: true }).click();
  const result = kv.getByRole('status', { name: 'KV result' });
  await expect(result).toContainText('served by agent-client');
  await kv.getByLabel('Value', { exact: true }).fill('');
  await kv.getByLabel('Through').selectOption('agent-one');
  await kv.getByRole('button', { name: 'Get', exact: true }).click();
  await expect(result).toContainText('hello = world');
  await expect(result).toContainText('served by agent-one');
}
