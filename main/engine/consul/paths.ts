/** Per-user directories: the tool cache (consul binaries) and the default lab home. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  if (process.env.CONSUL_LAB_CACHE) return process.env.CONSUL_LAB_CACHE;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'consul-lab');
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'consul-lab', 'cache');
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'consul-lab');
}

export function dataDir(): string {
  if (process.env.CONSUL_LAB_HOME) return process.env.CONSUL_LAB_HOME;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'consul-lab');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'consul-lab');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'consul-lab');
}

export function defaultLabDir(): string {
  return join(dataDir(), 'labs', 'default');
}
