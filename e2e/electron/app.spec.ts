/** The desktop app: the same window over the preload bridge. Needs Electron's binary, which CI images may lack. */
import { test, expect, _electron as electron } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'node_modules', 'electron', 'dist');
const hasBinary = existsSync(DIST) && readdirSync(DIST).some((f) => /^electron(\.exe)?$|^Electron\.app$/.test(f));

test('the lab window opens in Electron', async () => {
  test.skip(
    !hasBinary,
    `no Electron binary in ${DIST}: ${
      process.env.ELECTRON_SKIP_BINARY_DOWNLOAD
        ? 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it was not downloaded'
        : (
            () => {
              try {
                return readFileSync(join(ROOT, 'node_modules', '.cache', 'consul-lab', 'electron-download.txt'), 'utf8').trim();
              } catch {
                return 'it was not downloaded at install';
              }
            }
          )()
    }; to get it, run node node_modules/electron/install.js where its download host is reachable (npm start and npm install try it too)`,
  );
  const main = join(ROOT, 'out', 'main', 'electron', 'main.js');
  test.skip(!existsSync(main), `the Electron main process is not built (${main}): run npm run build`);
  // A lab of its own, never the user's.
  const dir = mkdtempSync(join(tmpdir(), 'consul-lab-electron-'));
  const app = await electron.launch({ args: [main], cwd: ROOT, env: { ...process.env, CONSUL_LAB_DIR: join(dir, 'lab') } });
  try {
    const win = await app.firstWindow();
    await expect(win.getByRole('button', { name: 'Bring up', exact: true })).toBeVisible();
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
