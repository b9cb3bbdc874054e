/**
 * `npm start` as a newcomer runs it, where no Electron binary is installed (or no display is there for one): it
 * says why in one line, serves the lab window on 127.0.0.1 with a token and prints the URL; the window brings the
 * tutorial lab up. Its lab is a temporary one (CONSUL_LAB_HOME) on 127.0.48, never the user's; the lab is
 * destroyed and every process `npm start` started is stopped afterwards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, ROOT, bringUp, shot } from '../fixtures';

const SUBNET = '127.0.48';

/** Whether the process group led by `pid` still has a member. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid!;
  // As Ctrl-C in a terminal: the whole group, then, if anything is left after 20 s, SIGKILL.
  if (groupAlive(pid)) process.kill(-pid, 'SIGINT');
  for (let i = 0; i < 200 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
}

test('npm start without an Electron binary: one line why, the window in the browser, the lab comes up', async ({ page }, info) => {
  test.skip(process.platform === 'win32', 'process groups: POSIX only');
  const home = mkdtempSync(join(tmpdir(), 'consul-lab-start-'));
  const env: NodeJS.ProcessEnv = { ...process.env, CONSUL_LAB_HOME: home };
  // No display: `--open` is not tried, and Electron (where a binary exists) is not started either.
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn('npm', ['start', '--', '--subnet', SUBNET], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const url = await test.step('npm start prints the URL', async () => {
      await expect
        .poll(
          () => {
            if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${err}\n${out}`);
            return /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/m.exec(out)?.[0] ?? null;
          },
          { timeout: 180_000, intervals: [250] },
        )
        .not.toBeNull();
      return /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/m.exec(out)![0];
    });

    await test.step('one line says why there is no desktop window, and how to get one', async () => {
      const why = err.split('\n').filter((l) => /^npm start: (no Electron binary|there is no display)/.test(l));
      expect(why, err).toHaveLength(1);
      expect(why[0]).toMatch(/in your browser instead|served to a browser instead/);
      const binary = existsSync(join(ROOT, 'node_modules', 'electron', 'path.txt'));
      if (!binary) expect(why[0]).toMatch(/no Electron binary \(.+; to get it, run `node node_modules\/electron\/install\.js`/);
      info.annotations.push({ type: 'npm start said', description: why[0]! });
    });

    await test.step('the URL is the window, and only with its token', async () => {
      const noToken = await fetch(url.replace(/\?token=.*$/, ''));
      expect(noToken.status).toBe(401);
      await page.goto(url);
      await expect(page.getByRole('button', { name: 'Bring up', exact: true })).toBeVisible();
      await shot(page, info, '00-npm-start');
    });

    await test.step('Bring up → three alive members and a leader', async () => {
      await bringUp(page);
      await shot(page, info, '01-up');
    });
  } finally {
    await page.close().catch(() => undefined);
    await stopGroup(child);
    const lab = join(home, 'labs', 'default');
    if (existsSync(join(lab, 'lab.json'))) {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'consul-lab.js'), 'destroy', '--lab', lab, '--quiet'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (r.status !== 0) console.error(`destroy of ${lab} failed: ${r.stderr}`);
    }
    rmSync(home, { recursive: true, force: true });
  }
  // Nothing of the lab is left: no process carries its home in its command line.
  const left = spawnSync('pgrep', ['-af', home], { encoding: 'utf8' }).stdout.trim();
  expect(left, `processes left behind:\n${left}`).toBe('');
});
