/**
 * The tutorial, by clicks and typing only: bring up, see the members and the leader, write and read KV through
 * different agents, run `consul members` in a node's shell, kill a server and watch quorum go, rejoin it.
 */
import { bringUp, expect, nodePanel, putThroughClientGetOnServer, shot, test } from '../fixtures';

test.use({ subnet: '127.0.31' });

test('the tutorial in the lab window', async ({ labPage: page }, info) => {
  await test.step('Bring up → three alive members and a leader badge', async () => {
    await shot(page, info, '00-down');
    await bringUp(page);
    await expect(page.getByRole('alert').filter({ hasText: 'tolerates no failure' })).toBeVisible();
    await shot(page, info, '01-up');
  });

  await test.step('KV: put hello=world through agent-client, get it through agent-one', async () => {
    await putThroughClientGetOnServer(page);
    await expect(page.getByRole('region', { name: 'Key/Value' }).getByRole('treeitem', { name: 'hello' })).toBeVisible();
    await shot(page, info, '02-kv');
  });

  await test.step("agent-client's shell: consul members shows the three nodes", async () => {
    const panel = nodePanel(page, 'agent-client');
    await panel.getByRole('tab', { name: 'shell' }).click();
    await expect(panel.getByText('Ctrl+Shift+C copy')).toBeVisible();
    const term = panel.getByLabel('agent-client shell', { exact: true });
    await term.click();
    await page.keyboard.type('consul members\n');
    for (const n of ['agent-one', 'agent-two', 'agent-client']) await expect(term).toContainText(n);
    await shot(page, info, '03-shell');
  });

  await test.step('Kill agent-two → failed within 15 s, and the quorum warning', async () => {
    const panel = nodePanel(page, 'agent-two');
    await panel.getByRole('button', { name: 'Kill', exact: true }).click();
    await expect(panel.locator('header').getByText('failed', { exact: true })).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole('alert').filter({ hasText: 'Quorum lost' })).toBeVisible({ timeout: 15_000 });
    await shot(page, info, '04-killed');
  });

  await test.step('Rejoin agent-two → alive again', async () => {
    const panel = nodePanel(page, 'agent-two');
    await panel.getByRole('button', { name: 'Rejoin', exact: true }).click();
    await expect(panel.locator('header').getByText('alive', { exact: true })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('alert').filter({ hasText: 'Quorum lost' })).toBeHidden({ timeout: 60_000 });
    await expect(panel.getByRole('button', { name: 'Open Consul UI', exact: true })).toBeEnabled();
    await shot(page, info, '05-rejoined');
  });

  await test.step('Dark theme, remembered across a reload', async () => {
    await page.getByRole('button', { name: 'Dark theme', exact: true }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.reload();
    await expect(page.getByRole('button', { name: 'Light theme', exact: true })).toBeVisible();
    await expect(page.getByRole('region', { name: /^agent-/ }).getByLabel('leader', { exact: true })).toHaveCount(1);
    await expect(nodePanel(page, 'agent-client').getByRole('tab', { name: 'shell' })).toHaveAttribute('aria-selected', 'true');
    await shot(page, info, '06-dark');
  });
});
