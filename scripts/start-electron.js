// `npm start`: build, then run the Electron app, or say plainly why it cannot run here and what to do instead.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electron = null;
try {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH || existsSync('node_modules/electron/path.txt')) electron = require('electron');
} catch {
  electron = null;
}
if (!electron || !existsSync(electron)) {
  process.stderr.write(
    [
      'No Electron binary is installed, so the desktop app cannot start here.',
      'It was skipped at install (ELECTRON_SKIP_BINARY_DOWNLOAD=1) or could not be downloaded. To get one:',
      '  - with internet: rm -rf node_modules/electron && npm install electron',
      '  - or point at an unpacked Electron build: ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-dir npm start',
      'Meanwhile the same window runs in your browser: npx consul-lab ui --open',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
execFileSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' });
const child = spawn(electron, ['.'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
