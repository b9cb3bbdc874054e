/** What the vagrant-lxc test paths (test/vagrant.test.ts, e2e/web/vagrant.spec.ts) need of the machine, and find on it. */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** Why the vagrant-lxc path cannot run here, or false when it can. */
export function vagrantSkipReason(): string | false {
  if (process.platform !== 'linux') return 'the vagrant-lxc test path needs Linux';
  if (process.getuid?.() !== 0) return 'not root: the vagrant-lxc test path creates bridges and containers';
  const v = spawnSync('vagrant', ['plugin', 'list'], { encoding: 'utf8', env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' } });
  if (v.error) return 'vagrant is not installed (scripts/vagrant/install-host.sh)';
  if (!/vagrant-lxc/.test(v.stdout)) return 'the vagrant-lxc plugin is not available (scripts/vagrant/install-host.sh)';
  if (spawnSync('lxc-create', ['--version']).error) return 'LXC is not installed (scripts/vagrant/install-host.sh)';
  return false;
}

/** The lab's containers: the generated Vagrantfile names them consul-lab-<hash of the lab dir>-nX. */
export function containersOf(dir: string): string[] {
  const prefix = `consul-lab-${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 10)}-`;
  return execFileSync('lxc-ls', ['-1'], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n.startsWith(prefix));
}
