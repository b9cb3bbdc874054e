/**
 * Lab settings, by clicks only: three servers instead of the tutorial's two, brought up, tolerate one failure;
 * once the lab is up, the settings say it must be destroyed first.
 */
import { test, expect, shot, nodePanel } from '../fixtures';

test.use({ subnet: '127.0.33' });

test('three servers from the Lab settings dialog', async ({ labPage: page }, info) => {
  await test.step('Lab settings → 3 servers → Apply: the header shows the new topology', async () => {
    await page.getByRole('button', { name: 'Lab settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Lab settings' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Servers', { exact: true }).selectOption('3');
    await shot(page, info, '00-settings');
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText('3 servers · 1 client')).toBeVisible();
  });

  await test.step('Bring up → three server panels alive, one failure tolerated', async () => {
    await page.getByRole('button', { name: 'Bring up', exact: true }).click();
    for (const n of ['agent-one', 'agent-two', 'agent-three']) {
      await expect(nodePanel(page, n).locator('header').getByText('alive', { exact: true })).toBeVisible({ timeout: 90_000 });
    }
    const tolerated = page.getByRole('region', { name: 'Cluster health' }).locator('.cell').filter({ hasText: 'Failures tolerated' });
    await expect(tolerated).toContainText('1', { timeout: 60_000 });
    await expect(page.getByRole('alert').filter({ hasText: 'tolerates no failure' })).toBeHidden();
    await shot(page, info, '01-up');
  });

  await test.step('Lab settings now say the lab must be destroyed first', async () => {
    await page.getByRole('button', { name: 'Lab settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Lab settings' });
    await expect(dialog.getByRole('note')).toContainText('destroy it first to change its settings');
    await expect(dialog.getByRole('button', { name: 'Apply', exact: true })).toBeDisabled();
    await shot(page, info, '02-fixed');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(dialog).toBeHidden();
  });
});
