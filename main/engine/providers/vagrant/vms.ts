/**
 * The lab's VMs through Vagrant: their life cycle (`vagrant up|halt|reload|provision|destroy`, one command at a
 * time through the lab's VagrantRunner, each VM's output in its machine log), their states, and a shell in each
 * over plain ssh with the config `vagrant ssh-config` gives, so that nothing else takes Vagrant's machine lock.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { vmStep, type VmAction } from '../../../common/steps.js';
import type { LabSpec, MachineInfo } from '../../../common/types.js';
import { writeAtomic } from '../../atomic-file.js';
import type { LabDir } from '../../lab/labdir.js';
import type { Progress } from '../provider.js';
import { VagrantError, explainFailure, findVagrant, machineStates } from './cli.js';
import { LXC_BOX, labOptions, lxcBoxFile, type VagrantOptions } from './options.js';
import { PROBE } from './remote.js';
import { VagrantRunner, humanText, runnerFor } from './runner.js';
import { vmNodes } from './vagrantfile.js';

/** Where a machine is in its bring-up (or shutdown), from the line Vagrant just printed; null for other lines. */
export function phaseOf(line: string): string | null {
  const phases: [RegExp, string][] = [
    [/Importing base box|Adding box|Cloning VM/, 'box import'],
    [/Booting VM|Starting container|Starting domain|Waiting for machine to boot/, 'booting'],
    [/network|Forwarding ports|port collision|Setting hostname|mount entries|shared folders/i, 'network'],
    [/Running provisioner/, 'provisioning'],
    [/Attempting graceful shutdown|Forcing shutdown|Stopping container|Halting/, 'shutting down'],
    [/Destroying|Deleting the container/, 'destroying'],
  ];
  return phases.find(([re]) => re.test(line))?.[1] ?? null;
}

export class Vms {
  private vagrantPath: string | null = null;

  constructor(readonly dir: LabDir) {}

  get vmDir(): string {
    return join(this.dir.root, 'vm');
  }

  get options(): VagrantOptions {
    return labOptions(this.vmDir);
  }

  /** lxc: this lab's container names start with this (a hash of the lab directory). */
  get containerPrefix(): string {
    return `consul-lab-${createHash('sha256').update(this.dir.root).digest('hex').slice(0, 10)}`;
  }

  /**
   * lxc: containers of this lab that Vagrant does not know (an interrupted `vagrant up` made them but never
   * recorded them); they would block the next up and survive destroy.
   */
  removeLxcOrphans(spec: LabSpec): void {
    if (this.options.backend !== 'lxc') return;
    for (const n of vmNodes(spec)) {
      const name = `${this.containerPrefix}-${n.machine}`;
      if (existsSync(join(this.dir.root, '.vagrant', 'machines', n.machine, 'lxc', 'id'))) continue;
      const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
      const cmd = [...sudo, 'lxc-info', '-n', name];
      if (spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore' }).status !== 0) continue;
      const d = [...sudo, 'lxc-destroy', '-f', '-n', name];
      spawnSync(d[0]!, d.slice(1), { stdio: 'ignore' });
    }
  }

  /**
   * lxc, as root: vagrant-lxc 1.4 rewrites a container's config without truncating it, so on the second start
   * of a container its customization block survives its own removal and is appended again, and LXC then
   * refuses the duplicated addresses ("Failed to setup ipv4 address … File exists"). The block is removed
   * here first, from the containers of this lab that Vagrant made.
   */
  private pruneLxcCustomizations(machines: string[]): void {
    if (this.options.backend !== 'lxc' || process.getuid?.() !== 0) return;
    const lxcPath = spawnSync('lxc-config', ['lxc.lxcpath'], { encoding: 'utf8' }).stdout?.trim() || '/var/lib/lxc';
    for (const m of machines) {
      if (!this.made(m)) continue;
      const config = join(lxcPath, `${this.containerPrefix}-${m}`, 'config');
      if (!existsSync(config)) continue;
      const text = readFileSync(config, 'utf8');
      const pruned = text.replace(/^# VAGRANT-BEGIN[\s\S]*?# VAGRANT-END\n/gm, '');
      if (pruned !== text) writeAtomic(config, pruned);
    }
  }

  vagrant(): string {
    this.vagrantPath ??= findVagrant();
    return this.vagrantPath;
  }

  private get runner(): VagrantRunner {
    return runnerFor(
      this.dir.root,
      () =>
        new VagrantRunner(
          this.dir.root,
          () => this.vagrant(),
          (m) => this.machineLog(m),
          () => this.dir.env(),
        ),
    );
  }

  /** What `vagrant` printed for the machine, kept like an agent's log. */
  machineLog(machine: string): string {
    return join(this.vmDir, 'logs', `${machine}.log`);
  }

  get sshConfig(): string {
    return join(this.vmDir, 'ssh-config');
  }

  async ensureBox(opts: VagrantOptions, progress: Progress): Promise<void> {
    if (opts.backend !== 'lxc' || opts.box !== LXC_BOX) return;
    const list = await this.runner.query(['box', 'list', '--machine-readable'], 'vagrant box list');
    const have = list.lines.some((l) => l.type === 'box-name' && l.data[0] === opts.box);
    if (have) return;
    const file = lxcBoxFile();
    if (!existsSync(file)) {
      throw new VagrantError(
        `the box ${opts.box} is not on this machine and is not downloadable: ` +
          `build it with scripts/vagrant/build-box.sh (as root; it is cached at ${file})`,
      );
    }
    progress('box', `Add box ${opts.box}`, 'start');
    const r = await this.runner.run({
      args: ['box', 'add', '--machine-readable', '--name', opts.box, file],
      machines: [],
      what: 'vagrant box add',
      timeoutMs: 300_000,
    });
    if (r.code !== 0) {
      const err = explainFailure(r.lines, r.output, { what: 'vagrant box add', options: opts });
      progress('box', `Add box ${opts.box}`, 'fail', err.message);
      throw err;
    }
    progress('box', `Add box ${opts.box}`, 'done');
  }

  /**
   * One vagrant command (`vagrant up n1 n2`, halt, reload, provision, destroy) on the machines named, each
   * machine one progress step with its phases as Vagrant reports them (Vagrant may work on several at once);
   * the ssh config is renewed for the machines left running.
   */
  async act(machines: string[], action: VmAction, progress: Progress, timeoutMs: number): Promise<void> {
    const opts = this.options;
    const args = {
      up: ['up', ...machines, ...(opts.backend === 'auto' ? [] : [`--provider=${opts.backend}`])],
      halt: ['halt', ...machines],
      reload: ['reload', ...machines],
      provision: ['provision', ...machines],
      destroy: ['destroy', '-f', ...machines],
    }[action];
    const phase = new Map<string, string>();
    const finished = new Set<string>();
    const report = (m: string, status: 'start' | 'done' | 'fail', message?: string) => {
      const { step, label } = vmStep(action, m);
      progress(step, label, status, message);
    };
    const ready = action === 'up' || action === 'reload' ? 'ready' : undefined;
    for (const m of machines) report(m, 'start');
    if (action === 'up' || action === 'reload') this.pruneLxcCustomizations(machines);
    try {
      const r = await this.runner.run({
        args: [...args, '--machine-readable'],
        machines,
        what: `vagrant ${args.join(' ')}`,
        timeoutMs,
        onLine: (l) => {
          if (!machines.includes(l.target) || finished.has(l.target)) return;
          const next = phaseOf(humanText(l) ?? '');
          if (next && next !== phase.get(l.target)) report(l.target, 'start', next);
          if (next) phase.set(l.target, next);
          if (l.type === 'action' && l.data[0] === args[0] && l.data[1] === 'end') {
            finished.add(l.target);
            report(l.target, 'done', ready);
          }
        },
      });
      if (r.code !== 0) throw explainFailure(r.lines, r.output, { what: `vagrant ${args[0]} ${machines.join(' ')}`, options: opts });
      const states = await this.refreshStates();
      if (machines.some((m) => states[m] === 'running')) await this.writeSshConfig();
      const down = ready ? machines.filter((m) => states[m] !== 'running') : [];
      if (down.length) throw new VagrantError(down.map((m) => `${m} is ${states[m] ?? 'unknown'} after vagrant ${action}`).join(', '));
    } catch (err) {
      for (const m of machines) if (!finished.has(m) || ready) report(m, 'fail', (err as Error).message);
      throw err;
    }
    for (const m of machines) if (!finished.has(m)) report(m, 'done', ready);
  }

  machines(spec: LabSpec): MachineInfo[] {
    const states = this.readStates();
    const { backend, box } = this.options;
    return vmNodes(spec).map((n) => ({
      name: n.machine,
      node: n.name,
      state: states[n.machine] ?? (this.made(n.machine) ? 'unknown' : 'not_created'),
      provider: backend,
      box,
      made: this.made(n.machine),
    }));
  }

  async refresh(): Promise<void> {
    if (existsSync(join(this.dir.root, '.vagrant'))) await this.refreshStates();
  }

  /** Whether Vagrant made this machine for the lab: it has the machine's id. */
  made(machine: string): boolean {
    const dir = join(this.dir.root, '.vagrant', 'machines', machine);
    return existsSync(dir) && readdirSync(dir).some((p) => existsSync(join(dir, p, 'id')));
  }

  /** Whether Vagrant made any machine of this lab (else there is nothing to halt or destroy). */
  created(): boolean {
    return existsSync(join(this.dir.root, '.vagrant', 'machines'));
  }

  private refreshing = false;

  /** A refresh of the machines' states, in the runner's line, unless one is already waiting there. */
  refreshStatesSoon(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.refreshStates()
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }

  async refreshStates(): Promise<Record<string, string>> {
    const r = await this.runner.query(['status', '--machine-readable'], 'vagrant status');
    const states = machineStates(r.lines);
    mkdirSync(this.vmDir, { recursive: true });
    writeAtomic(join(this.vmDir, 'state.json'), JSON.stringify(states));
    return states;
  }

  readStates(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(join(this.vmDir, 'state.json'), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  /** Vagrant's ssh settings for the running machines, so that nothing else needs to run vagrant to reach them. */
  private async writeSshConfig(): Promise<void> {
    const r = await this.runner.query(['ssh-config'], 'vagrant ssh-config');
    if (/^Host /m.test(r.output)) writeAtomic(this.sshConfig, r.output.slice(r.output.search(/^Host /m)));
  }

  /** A command run in the VM over plain ssh (fast: no Ruby start-up), with Vagrant's own ssh settings. */
  async inVm(
    machine: string,
    command: string,
    timeoutMs = 15_000,
    input?: Uint8Array,
  ): Promise<{ ok: boolean; code: number | null; stdout: string; stderr: string }> {
    // Vagrant is never asked here: its ssh settings are written when a machine comes up, and removed when it stops.
    if (!existsSync(this.sshConfig)) return { ok: false, code: null, stdout: '', stderr: `${machine} is not running` };
    return new Promise((resolve) => {
      const child = execFile(
        'ssh',
        [...this.sshArgs(), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', machine, command],
        { timeout: timeoutMs, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ ok: !err, code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
      );
      if (input) {
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(input);
      }
    });
  }

  sshArgs(): string[] {
    return ['-F', this.sshConfig, '-o', 'LogLevel=ERROR'];
  }

  /** The VM's consul agent: pid and whether it is stopped (SIGSTOP), or null when there is none or the VM is unreachable. */
  async vmAgent(machine: string): Promise<{ pid: number; paused: boolean } | null | 'unreachable'> {
    const r = await this.inVm(machine, PROBE);
    if (!r.ok) return 'unreachable';
    const first = r.stdout.trim().split('\n').filter(Boolean)[0];
    if (!first) return null;
    const [pid, stat] = first.trim().split(/\s+/);
    return { pid: Number(pid), paused: (stat ?? '').startsWith('T') };
  }
}
