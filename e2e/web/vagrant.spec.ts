/**
 * The vagrant provider in the lab window, with real Vagrant and vagrant-lxc (no mocks): three bring-ups in a row,
 * each on a fresh lab, each showing Vagrant's own output in n1's "machine" terminal and the steps in the order they
 * ran with their times, while both VM shells are opened during `vagrant up`; each lab is destroyed from the header
 * and leaves no container. The first round also runs the tutorial in the VMs (a shell in n1, KV, kill and rejoin)
 * and halts n2 and brings it up again from its panel.
 * Needs root, vagrant, vagrant-lxc and LXC (scripts/vagrant/install-host.sh); otherwise skipped with the reason.
 * The tutorial's addresses (172.20.20.x) are fixed, so one vagrant lab at a time on a machine:
 *   flock /tmp/consul-lab-vagrant.lock npx playwright test --project=web e2e/web/vagrant.spec.ts
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { lxcBoxFile } from '../../main/engine/providers/vagrant/options.js';
import { ROOT, expect, hostUrl, nodePanel, putThroughClientGetOnServer, shot, stopHost, test } from '../fixtures';
import { containersOf, vagrantSkipReason } from '../../test/vagrant-env.js';

const CLI = join(ROOT, 'bin', 'consul-lab.js');
const LXC_ENV = { ...process.env, CONSUL_LAB_VAGRANT_PROVIDER: 'lxc' };
/** The steps of a vagrant bring-up, in order (an "Add box" step may come before the first VM). */
const UP_STEPS = [
  'Check consul and addresses',
  'Bring up n1',
  'Bring up n2',
  'Start servers',
  'Join servers',
  'Elect a leader',
  'Start clients',
  'Join clients',
  'All members alive',
];

const skip = vagrantSkipReason();
test.skip(!!skip, skip || '');

const bridgeState = join(tmpdir(), `consul-lab-e2e-bridges-${process.pid}.state`);

test.beforeAll(async () => {
  test.setTimeout(600_000);
  // The box goes where the provider looks for it (the tool cache, which CONSUL_LAB_CACHE may move).
  execFileSync(join(ROOT, 'scripts', 'vagrant', 'build-box.sh'), [lxcBoxFile()], { stdio: 'inherit' });
  execFileSync(join(ROOT, 'scripts', 'vagrant', 'bridge.sh'), ['up', bridgeState], { stdio: 'inherit' });
});

test.afterAll(async () => {
  execFileSync(join(ROOT, 'scripts', 'vagrant', 'bridge.sh'), ['down', bridgeState], { stdio: 'inherit' });
  rmSync(bridgeState, { force: true });
});

interface VagrantLab {
  dir: string;
  url: string;
  /** Stops the web host and removes whatever the test left of the lab (nothing, when the test destroyed it). */
  close(): Promise<void>;
}

/** A web host serving the window for a fresh vagrant lab on vagrant-lxc. */
async function serveVagrantLab(): Promise<VagrantLab> {
  const tmp = mkdtempSync(join(tmpdir(), 'consul-lab-e2e-vagrant-'));
  const dir = join(tmp, 'lab');
  const args = [CLI, 'ui', '--lab', dir, '--provider', 'vagrant', '--port', '0'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: LXC_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const close = async () => {
    await stopHost(child);
    const destroy = [CLI, 'destroy', '--lab', dir, '--quiet'];
    if (existsSync(dir)) spawnSync(process.execPath, destroy, { cwd: ROOT, env: LXC_ENV, timeout: 300_000 });
    for (const c of containersOf(dir)) spawnSync('lxc-destroy', ['-f', '-n', c]);
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    return { dir, url: await hostUrl(child), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A VM's state as the node panel shows it, in Vagrant's words ("host" for the agent on the host): the Machine fact. */
function machineState(page: Page, node: string) {
  return nodePanel(page, node).locator('dt:text-is("Machine") + dd');
}

/** Shows the node's shell tab, opening a new shell if the last one has ended. */
async function showShell(page: Page, node: string): Promise<void> {
  const panel = nodePanel(page, node);
  await panel.getByRole('tab', { name: 'shell' }).click();
  const again = panel.getByRole('button', { name: 'New shell', exact: true });
  if (await again.isVisible()) await again.click();
}

/** Expects a line with `text` in n1's machine terminal (or none), found with the terminal's own filter. */
async function expectMachineLine(page: Page, text: string, present = true): Promise<void> {
  const panel = nodePanel(page, 'agent-one');
  await panel.getByRole('tab', { name: 'machine' }).click();
  const filter = panel.getByRole('toolbar', { name: 'n1 machine log tools' }).getByLabel('Filter log');
  await filter.fill(text);
  const output = panel.getByRole('log', { name: 'n1 machine output' });
  if (present) await expect(output).toContainText(text, { timeout: 60_000 });
  else await expect(output).not.toContainText(text);
  await filter.fill('');
}

/**
 * Bring up by clicking, with both VM shells opened while `vagrant up` runs (a shell never takes Vagrant's machine
 * lock); returns each step's label and seconds as the header shows them once the bring-up is done.
 */
async function bringUp(page: Page, info: TestInfo, screenshot: boolean): Promise<{ label: string; secs: number }[]> {
  await expect(machineState(page, 'agent-one')).toHaveText('not_created');
  await expect(machineState(page, 'agent-client')).toHaveText('host');
  await page.getByRole('button', { name: 'Bring up', exact: true }).click();
  const progress = page.getByRole('status', { name: 'up progress' });
  const n1 = progress.getByRole('listitem').filter({ hasText: 'Bring up n1' });

  await expect(n1).toHaveAttribute('aria-current', 'step', { timeout: 120_000 });
  await showShell(page, 'agent-one');
  await showShell(page, 'agent-two');
  await expectMachineLine(page, "Bringing machine 'n1' up");
  await expect(progress).toContainText(/Bring up n\d · (booting|network|provisioning)/, { timeout: 300_000 });
  await nodePanel(page, 'agent-two').getByRole('tab', { name: 'machine' }).click();

  await expect(n1).toContainText('✓', { timeout: 600_000 });
  await expect(nodePanel(page, 'agent-one').getByRole('log', { name: 'n1 machine output' })).toContainText('n1: Running');
  await shot(page, info, 'vagrant-n1-up');
  if (screenshot) await page.screenshot({ path: join(ROOT, 'docs', 'lab-window-vagrant-up.png'), fullPage: true });

  const members = page.getByRole('table', { name: 'consul members' });
  await expect(members.getByRole('row').filter({ hasText: 'alive' })).toHaveCount(3, { timeout: 600_000 });
  await expect(progress).toContainText('Bring up done', { timeout: 60_000 });
  await expectMachineLine(page, "Bringing machine 'n1' up");
  await expectMachineLine(page, 'another process is already executing an action', false);
  await shot(page, info, 'vagrant-up');
  return (await progress.getByRole('listitem').allTextContents()).map((text) => {
    const m = /^✓(.+) (\d+(?:\.\d+)?) s$/.exec(text.trim());
    expect(m, `a step done, with its time: ${text}`).not.toBeNull();
    return { label: m![1]!, secs: Number(m![2]) };
  });
}

async function tutorial(page: Page, info: TestInfo): Promise<void> {
  await test.step("n1's shell: hostname prints n1", async () => {
    await showShell(page, 'agent-one');
    const panel = nodePanel(page, 'agent-one');
    await expect(panel.getByText('Ctrl+Shift+C copy')).toBeVisible({ timeout: 60_000 });
    const term = panel.getByLabel('agent-one shell', { exact: true });
    await term.click();
    await page.keyboard.type('echo "host=$(hostname)"\n');
    await expect(term).toContainText('host=n1', { timeout: 30_000 });
  });

  await test.step('KV: put hello=world through agent-client, get it through agent-one', () => putThroughClientGetOnServer(page));

  await test.step('Kill agent-two → failed; Rejoin → alive', async () => {
    const panel = nodePanel(page, 'agent-two');
    await panel.getByRole('button', { name: 'Kill', exact: true }).click();
    await expect(panel.locator('header').getByText('failed', { exact: true })).toBeVisible({ timeout: 60_000 });
    await panel.getByRole('button', { name: 'Rejoin', exact: true }).click();
    await expect(panel.locator('header').getByText('alive', { exact: true })).toBeVisible({ timeout: 120_000 });
    await shot(page, info, 'vagrant-rejoined');
  });

  await test.step('Halt n2 from its panel → stopped; Up → running; Rejoin agent-two → alive', async () => {
    const panel = nodePanel(page, 'agent-two');
    const actions = panel.getByRole('toolbar', { name: 'n2 machine actions' });
    await actions.getByRole('button', { name: 'Halt', exact: true }).click();
    await expect(machineState(page, 'agent-two')).toHaveText('stopped', { timeout: 300_000 });
    await expect(page.getByRole('status', { name: 'vm progress' })).toContainText('Halt n2');
    await expect(actions.getByRole('button', { name: 'Up', exact: true })).toBeEnabled();
    await shot(page, info, 'vagrant-n2-halted');
    await actions.getByRole('button', { name: 'Up', exact: true }).click();
    await expect(machineState(page, 'agent-two')).toHaveText('running', { timeout: 600_000 });
    await expect(page.getByRole('status', { name: 'vm progress' })).toContainText('Machine done', { timeout: 60_000 });
    await panel.getByRole('button', { name: 'Rejoin', exact: true }).click();
    await expect(panel.locator('header').getByText('alive', { exact: true })).toBeVisible({ timeout: 120_000 });
  });
}

async function destroyFromHeader(page: Page, dir: string): Promise<void> {
  const header = page.getByRole('banner');
  await header.getByRole('button', { name: 'Destroy', exact: true }).click();
  await header.getByRole('button', { name: 'Destroy for good', exact: true }).click();
  await expect(page.getByRole('status', { name: 'destroy progress' })).toContainText('Destroy done', { timeout: 600_000 });
  expect(containersOf(dir)).toEqual([]);
}

for (const round of [1, 2, 3]) {
  const what = round === 1 ? 'bring up, the tutorial in n1 and n2, halt and up n2, destroy' : 'bring up and destroy';
  test(`vagrant-lxc round ${round} on a fresh lab: ${what}`, async ({ page }, info) => {
    test.setTimeout(round === 1 ? 1_800_000 : 1_200_000);
    const lab = await serveVagrantLab();
    try {
      await page.goto(lab.url);
      await expect(page.getByRole('button', { name: 'Bring up', exact: true })).toBeVisible();
      const started = Date.now();
      const steps = await test.step("Bring up: VMs, then the tutorial's agents", () => bringUp(page, info, round === 1));
      const upSecs = (Date.now() - started) / 1000;
      console.log(`# round ${round}: up in ${upSecs.toFixed(1)} s; ${steps.map((s) => `${s.label} ${s.secs} s`).join(', ')}`);
      info.annotations.push({ type: 'bring-up', description: `${upSecs.toFixed(1)} s: ${JSON.stringify(steps)}` });
      expect(steps.map((s) => s.label).filter((l) => !l.startsWith('Add box '))).toEqual(UP_STEPS);
      for (const vm of steps.filter((s) => s.label.startsWith('Bring up n'))) expect(vm.secs, vm.label).toBeGreaterThan(1);
      if (round === 1) await tutorial(page, info);
      await test.step('Destroy from the header: no container of the lab is left', () => destroyFromHeader(page, lab.dir));
    } finally {
      await lab.close();
    }
  });
}
