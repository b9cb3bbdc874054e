/**
 * The lab's Vagrant choices: which Vagrant provider backs the VMs and which box they boot. Chosen once per
 * lab, from the environment when the lab is first brought up, then kept in the lab's vagrant/options.json:
 *   CONSUL_LAB_VAGRANT_PROVIDER  auto (default: Vagrant's own choice, VirtualBox on most user machines, or
 *                                VAGRANT_DEFAULT_PROVIDER) | virtualbox | libvirt | lxc
 *   CONSUL_LAB_VAGRANT_BOX       the box (default: debian/bookworm64; for lxc the locally built consul-lab/debian-12-rN)
 *   CONSUL_LAB_VAGRANT_BRIDGE    lxc only: the host bridge of the private network (default labbr0)
 *   CONSUL_LAB_VAGRANT_UP_TIMEOUT seconds `vagrant up` may take before a VM counts as not coming up (default 900)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOX_NAME, InputError } from '../../../common/names.js';
import { VAGRANT_BACKENDS, type VagrantBackend, type VagrantChoice } from '../../../common/types.js';
import { cacheDir } from '../../consul/paths.js';

export type { VagrantBackend };
export const BACKENDS: readonly VagrantBackend[] = VAGRANT_BACKENDS;

export interface VagrantOptions {
  backend: VagrantBackend;
  box: string;
  /** lxc: the host bridge holding the host's private-network address (172.20.20.1/24). */
  bridge: string;
  upTimeoutMs: number;
}

/** The LXC box's revision: bumped with its contents (as in scripts/vagrant/build-box.sh), so an older cached box is not used. */
const LXC_BOX_REVISION = 2;
export const LXC_BOX = `consul-lab/debian-12-r${LXC_BOX_REVISION}`;
export const DEFAULT_BOX: Record<VagrantBackend, string> = {
  auto: 'debian/bookworm64',
  virtualbox: 'debian/bookworm64',
  libvirt: 'debian/bookworm64',
  lxc: LXC_BOX,
};

/** Where scripts/vagrant/build-box.sh caches the LXC box. */
export function lxcBoxFile(): string {
  return join(cacheDir(), 'boxes', `debian-12-lxc-r${LXC_BOX_REVISION}.box`);
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): VagrantOptions {
  const backend = (env.CONSUL_LAB_VAGRANT_PROVIDER || 'auto') as VagrantBackend;
  if (!BACKENDS.includes(backend)) {
    throw new InputError(`CONSUL_LAB_VAGRANT_PROVIDER must be one of ${BACKENDS.join(', ')}, got ${backend}`);
  }
  const secs = Number(env.CONSUL_LAB_VAGRANT_UP_TIMEOUT || 900);
  if (!Number.isFinite(secs) || secs <= 0)
    throw new InputError(`CONSUL_LAB_VAGRANT_UP_TIMEOUT must be a number of seconds, got ${env.CONSUL_LAB_VAGRANT_UP_TIMEOUT}`);
  const bridge = env.CONSUL_LAB_VAGRANT_BRIDGE || 'labbr0';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new InputError(`CONSUL_LAB_VAGRANT_BRIDGE is not an interface name: ${bridge}`);
  const box = env.CONSUL_LAB_VAGRANT_BOX || DEFAULT_BOX[backend];
  if (!BOX_NAME.test(box)) throw new InputError(`CONSUL_LAB_VAGRANT_BOX is not a box name: ${box}`);
  return { backend, box, bridge, upTimeoutMs: secs * 1000 };
}

/** The lab's options: as saved with the lab, else from the environment (saved by `save`). */
export function labOptions(vmDir: string): VagrantOptions {
  const file = join(vmDir, 'options.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as VagrantOptions;
  return optionsFromEnv();
}

export function saveOptions(vmDir: string, opts: VagrantOptions): void {
  mkdirSync(vmDir, { recursive: true });
  writeFileSync(join(vmDir, 'options.json'), JSON.stringify(opts, null, 2));
}

/** Keeps the lab's choice of Vagrant provider and box (the window's Lab settings); the rest as before. */
export function chooseOptions(vmDir: string, choice: VagrantChoice): void {
  saveOptions(vmDir, { ...labOptions(vmDir), backend: choice.provider, box: choice.box || DEFAULT_BOX[choice.provider] });
}
