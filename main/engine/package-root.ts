/** The installed package's root directory (a checkout, node_modules/consul-lab, or the app's resources). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'consul-lab') return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the consul-lab package root');
}
