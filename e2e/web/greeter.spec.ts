/**
 * The Greeter by clicks: instances on two nodes, ten calls answered by both; kill one and later calls are all
 * answered by the other.
 */
import { test, expect, shot, bringUp } from '../fixtures';

test.use({ subnet: '127.0.32' });

test('Greeter: two instances share the calls, one survives the other', async ({ labPage: page }, info) => {
  await page.getByRole('button', { name: 'Dark theme', exact: true }).click();
  await bringUp(page);
  const greeter = page.getByRole('region', { name: 'Greeter', exact: true });
  const calls = page.getByRole('table', { name: 'Greeter calls' });
  const rows = calls.getByRole('row').filter({ hasNot: page.getByRole('columnheader') });

  await test.step('Start an instance on agent-one and on agent-client', async () => {
    for (const node of ['agent-one', 'agent-client']) {
      const group = greeter.getByRole('group', { name: `Greeter on ${node}` });
      await group.getByRole('button', { name: 'Start', exact: true }).click();
      await expect(group.getByText('passing', { exact: true })).toBeVisible({ timeout: 60_000 });
    }
  });

  await test.step('Call ×10 → both instances answer', async () => {
    await greeter.getByLabel('Count', { exact: true }).fill('10');
    await expect(async () => {
      await greeter.getByRole('button', { name: 'Call', exact: true }).click();
      await expect(rows).toHaveCount(10, { timeout: 20_000 });
      await expect(rows.filter({ hasText: '(agent-one)' }).first()).toBeVisible({ timeout: 1000 });
      await expect(rows.filter({ hasText: '(agent-client)' }).first()).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 90_000 });
    await shot(page, info, '10-greeter-both');
  });

  await test.step('Kill the instance on agent-one → later calls all answered by agent-client', async () => {
    const group = greeter.getByRole('group', { name: 'Greeter on agent-one' });
    await group.getByRole('button', { name: 'Kill', exact: true }).click();
    await expect(async () => {
      await greeter.getByRole('button', { name: 'Call', exact: true }).click();
      await expect(rows).toHaveCount(10, { timeout: 20_000 });
      await expect(rows.filter({ hasText: '(agent-client)' })).toHaveCount(10, { timeout: 1000 });
    }).toPass({ timeout: 90_000 });
    await shot(page, info, '11-greeter-one-killed');
  });
});
