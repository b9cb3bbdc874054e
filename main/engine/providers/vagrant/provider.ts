/**
 * The vagrant provider: the tutorial's VMs (n1, n2, … on 172.20.20.0/24) run the servers, the host runs the
 * client agent on 172.20.20.1. VMs are driven with `vagrant up/halt/reload/provision/destroy nX`, one command at a
 * time (the lab's VagrantRunner), each VM's output in its machine log. Everything that only needs a shell in a
 * VM — its agent (under the lab's supervisor), a panel's shell, status probes — goes over plain ssh with the
 * config `vagrant ssh-config` gives, so it never takes Vagrant's machine lock, and a dropped session loses nothing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { InputError } from '../../../common/names.js';
import { machinesOf, vmStep, type VmAction } from '../../../common/steps.js';
import type { LabSpec, MachineInfo, NodeSpec, VagrantChoice } from '../../../common/types.js';
import { writeAtomic } from '../../atomic-file.js';
import { resolveConsul } from '../../consul/resolve.js';
import type { LabDir } from '../../lab/labdir.js';
import { sameProcess, terminate } from '../../process/procs.js';
import { agentArgs, agentConfig } from '../agent-config.js';
import { supervise } from '../../process/launch.js';
import { LocalProvider } from '../local.js';
import type { AgentProcess, MachinePower, Progress, Provider, ServiceHost, ShellCommand, StartOptions } from '../provider.js';
import { VagrantError, explainFailure, findVagrant, machineStates } from './cli.js';
import { LXC_BOX, chooseOptions, labOptions, lxcBoxFile, saveOptions, type VagrantOptions } from './options.js';
import { rubySyntaxError } from './ruby-check.js';
import { shellJoin, shellQuote } from './quote.js';
import { VagrantRunner, humanText, runnerFor } from './runner.js';
import { vagrantfile, vmNodes } from './vagrantfile.js';

/** Where the agents in the VMs keep their data and config: the tutorial's paths. */
export const VM_PATHS = { dataDir: '/tmp/consul', configDir: '/etc/consul.d' };
const CONSUL_IN_LAB = join('vm', 'consul-linux-amd64');

/** The remote command that starts a VM's agent: write the lab's config, then exec consul with the tutorial's flags. */
export function remoteAgentCommand(spec: LabSpec, node: NodeSpec, opts: StartOptions): string {
  const args = agentArgs(spec, node, VM_PATHS, opts).map((a) =>
    // The host reaches the agent on its private address; `consul members` inside the VM works as in the tutorial.
    a === `-client=${node.address}` ? `-client=127.0.0.1 ${node.address}` : a,
  );
  const config = JSON.stringify(agentConfig(spec, node));
  return `printf '%s\\n' ${shellQuote(config)} > ${VM_PATHS.configDir}/consul-lab.json && exec ${shellJoin(['consul', ...args])}`;
}

/** Lab services (Greeter instances) in a VM: their scripts, jobs, records and logs; /tmp is emptied at boot. */
const SERVICE_DIR = '/tmp/consul-lab';
/** The remote command's exit status when the VM has no node. */
const NO_NODE = 3;

/** The remote command that starts a service: its script, pushed on stdin and kept by content hash, run detached. */
export function remoteServiceStart(id: string, scriptName: string, job: string): string {
  const q = (f: string) => shellQuote(`${SERVICE_DIR}/${f}`);
  const script = q(scriptName);
  return [
    `command -v node >/dev/null || exit ${NO_NODE}`,
    `mkdir -p ${shellQuote(SERVICE_DIR)}`,
    `if [ -s ${script} ]; then cat >/dev/null; else cat > ${q(`${scriptName}.tmp`)} && mv ${q(`${scriptName}.tmp`)} ${script}; fi`,
    `printf '%s\\n' ${shellQuote(job)} > ${q(`${id}.job`)}`,
    // setsid: out of the ssh session's process group, so it outlives the session; not a group leader, so no fork and $! is node.
    `{ nohup setsid ${shellJoin(['node', `${SERVICE_DIR}/${scriptName}`, `${SERVICE_DIR}/${id}.job`])} > ${q(`${id}.log`)} 2>&1 < /dev/null & }`,
    'echo $!',
  ].join(' && ');
}

/** A shell test that `pid` is the service `id`: its command line names the job. */
function isService(id: string, pid: number): string {
  return `tr '\\0' '\\n' < /proc/${Math.trunc(pid)}/cmdline 2>/dev/null | grep -qx ${shellQuote(`${SERVICE_DIR}/${id}.job`)}`;
}

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

/** Finds the VM's consul agent: "pid stat" lines. */
const PROBE = 'for p in $(pgrep -x consul); do echo "$p $(ps -o stat= -p $p)"; done; true';

export class VagrantProvider implements Provider, MachinePower {
  readonly name = 'vagrant' as const;
  readonly power: MachinePower = this;
  private readonly local: LocalProvider;
  private vagrantPath: string | null = null;

  constructor(readonly dir: LabDir) {
    this.local = new LocalProvider(dir);
  }

  get vmDir(): string {
    return join(this.dir.root, 'vm');
  }
  get vagrantfilePath(): string {
    return join(this.dir.root, 'Vagrantfile');
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
  private removeLxcOrphans(spec: LabSpec): void {
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

  private vagrant(): string {
    return (this.vagrantPath ??= findVagrant());
  }

  private get runner(): VagrantRunner {
    return runnerFor(this.dir.root, () => new VagrantRunner(this.dir.root, () => this.vagrant(), (m) => this.machineLog(m), () => this.dir.env()));
  }

  /** What `vagrant` printed for the machine, kept like an agent's log. */
  machineLog(machine: string): string {
    return join(this.vmDir, 'logs', `${machine}.log`);
  }

  private get sshConfig(): string {
    return join(this.vmDir, 'ssh-config');
  }

  private isVm(node: NodeSpec): boolean {
    return !node.machine.startsWith('host');
  }

  // ---- machines --------------------------------------------------------------------------------------

  async preflight(spec: LabSpec, nodes: NodeSpec[]): Promise<void> {
    this.vagrant();
    const opts = this.options;
    saveOptions(this.vmDir, opts);
    await this.writeVagrantfile(spec, opts);
    const hostNodes = nodes.filter((n) => !this.isVm(n));
    // The host's private address exists before `vagrant up` with lxc (the bridge) and after it with VirtualBox.
    const present: NodeSpec[] = [];
    for (const n of hostNodes) if (await hostHasAddress(n.address)) present.push(n);
    if (present.length) await this.local.preflight(spec, present);
    if (opts.backend === 'lxc' && present.length < hostNodes.length) {
      throw new VagrantError(
        `the host has no address ${hostNodes[0]!.address} on bridge ${opts.bridge}: create the private network first (as root: scripts/vagrant/bridge.sh up STATEFILE)`,
      );
    }
    // A VM address is probed only through a private network the host holds: otherwise the probe would leave
    // the machine by its default route (VirtualBox makes the network at vagrant up, and nothing can be in use yet).
    if (!present.length) return;
    const vms = nodes.filter((n) => this.isVm(n));
    const states = existsSync(join(this.dir.root, '.vagrant')) ? this.readStates() : {};
    for (const n of vms) {
      if (states[n.machine] === 'running') continue;
      if (existsSync(join(this.dir.root, '.vagrant', 'machines', n.machine))) continue;
      if (await answers(n.address)) {
        throw new VagrantError(
          `address ${n.address} (${n.machine}) is already in use by another machine on the private network: another lab's VMs? Stop them (consul-lab down --lab DIR) first.`,
        );
      }
    }
  }

  /** The Vagrantfile, written once (the user may edit it afterwards), with the host's consul shared when it fits. */
  private async writeVagrantfile(spec: LabSpec, opts: VagrantOptions): Promise<void> {
    if (!existsSync(this.vagrantfilePath)) writeFileSync(this.vagrantfilePath, await this.generated(spec, opts));
  }

  private async generated(spec: LabSpec, opts: VagrantOptions): Promise<string> {
    const consul = await resolveConsul();
    let fromHost: string | null = null;
    if (process.platform === 'linux' && process.arch === 'x64') {
      const dest = join(this.dir.root, CONSUL_IN_LAB);
      if (!existsSync(dest)) {
        mkdirSync(this.vmDir, { recursive: true });
        try {
          linkSync(consul.path, dest);
        } catch {
          copyFileSync(consul.path, dest);
        }
      }
      fromHost = `/vagrant/${CONSUL_IN_LAB}`;
    }
    return vagrantfile({ spec, options: opts, consulVersion: consul.version, consulFromHost: fromHost, containerPrefix: this.containerPrefix });
  }

  async readVagrantfile(spec: LabSpec): Promise<string> {
    await this.writeVagrantfile(spec, this.options);
    return readFileSync(this.vagrantfilePath, 'utf8');
  }

  async saveVagrantfile(text: string): Promise<void> {
    const problem = await rubySyntaxError(text);
    if (problem) throw new InputError(`the Vagrantfile was not saved: ruby -c finds a syntax error: ${problem}`);
    mkdirSync(this.dir.root, { recursive: true });
    writeFileSync(this.vagrantfilePath, text);
  }

  choose(choice: VagrantChoice): void {
    chooseOptions(this.vmDir, choice);
  }

  /** Deletes a Vagrantfile generated for this spec and never edited, so a new topology gets a fresh one. */
  async dropGeneratedVagrantfile(spec: LabSpec): Promise<void> {
    if (!existsSync(this.vagrantfilePath)) return;
    if (readFileSync(this.vagrantfilePath, 'utf8') === (await this.generated(spec, this.options))) rmSync(this.vagrantfilePath);
  }

  private async ensureBox(opts: VagrantOptions, progress: Progress): Promise<void> {
    if (opts.backend !== 'lxc' || opts.box !== LXC_BOX) return;
    const list = await this.runner.query(['box', 'list', '--machine-readable'], 'vagrant box list');
    const have = list.lines.some((l) => l.type === 'box-name' && l.data[0] === opts.box);
    if (have) return;
    const file = lxcBoxFile();
    if (!existsSync(file)) {
      throw new VagrantError(
        `the box ${opts.box} is not on this machine and is not downloadable: build it with scripts/vagrant/build-box.sh (as root; it is cached at ${file})`,
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
  private async act(machines: string[], action: VmAction, progress: Progress, timeoutMs: number): Promise<void> {
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
          if (l.type === 'action' && l.data[1] === 'end') {
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

  async startMachines(spec: LabSpec, progress: Progress): Promise<void> {
    const opts = this.options;
    await this.ensureBox(opts, progress);
    this.removeLxcOrphans(spec);
    // Every machine to the end of its provisioning before any agent starts.
    await this.act(machinesOf(spec), 'up', progress, opts.upTimeoutMs);
    const host = spec.nodes.filter((n) => !this.isVm(n));
    const missing: NodeSpec[] = [];
    for (const n of host) if (!(await hostHasAddress(n.address))) missing.push(n);
    if (missing.length) {
      throw new VagrantError(`the host has no address ${missing[0]!.address} after vagrant up: the private network did not come up on the host side`);
    }
    // Ports of the host's client agent, now that the private network exists on this side too.
    await this.local.preflight(spec, host);
  }

  async stopMachines(spec: LabSpec, progress: Progress): Promise<void> {
    if (!this.created()) return;
    await this.act(machinesOf(spec), 'halt', progress, 300_000);
    rmSync(this.sshConfig, { force: true });
  }

  async destroyMachines(spec: LabSpec, progress: Progress): Promise<void> {
    if (this.created()) await this.act(machinesOf(spec), 'destroy', progress, 300_000);
    this.removeLxcOrphans(spec);
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

  async machineAction(spec: LabSpec, machine: string, action: VmAction, progress: Progress): Promise<void> {
    const node = vmNodes(spec).find((n) => n.machine === machine)!;
    if (action === 'up') {
      await this.ensureBox(this.options, progress);
      this.removeLxcOrphans(spec);
    } else if (action !== 'provision') {
      await this.stopAgent(node);
    }
    await this.act([machine], action, progress, action === 'up' || action === 'reload' ? this.options.upTimeoutMs : 300_000);
    if (action === 'destroy') this.removeLxcOrphans(spec);
    if (!existsSync(join(this.dir.root, '.vagrant', 'machines')) || machinesOf(spec).every((m) => this.readStates()[m] !== 'running')) {
      rmSync(this.sshConfig, { force: true });
    }
  }

  /** Whether Vagrant made this machine for the lab: it has the machine's id. */
  private made(machine: string): boolean {
    const dir = join(this.dir.root, '.vagrant', 'machines', machine);
    return existsSync(dir) && readdirSync(dir).some((p) => existsSync(join(dir, p, 'id')));
  }

  /** Whether Vagrant made any machine of this lab (else there is nothing to halt or destroy). */
  private created(): boolean {
    return existsSync(join(this.dir.root, '.vagrant', 'machines'));
  }

  private refreshing = false;

  /** A refresh of the machines' states, in the runner's line, unless one is already waiting there. */
  private refreshStatesSoon(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.refreshStates()
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }

  private async refreshStates(): Promise<Record<string, string>> {
    const r = await this.runner.query(['status', '--machine-readable'], 'vagrant status');
    const states = machineStates(r.lines);
    mkdirSync(this.vmDir, { recursive: true });
    writeAtomic(join(this.vmDir, 'state.json'), JSON.stringify(states));
    return states;
  }

  private readStates(): Record<string, string> {
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
  private async inVm(
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

  private sshArgs(): string[] {
    return ['-F', this.sshConfig, '-o', 'LogLevel=ERROR'];
  }

  /** The VM's consul agent: pid and whether it is stopped (SIGSTOP), or null when there is none or the VM is unreachable. */
  private async vmAgent(machine: string): Promise<{ pid: number; paused: boolean } | null | 'unreachable'> {
    const r = await this.inVm(machine, PROBE);
    if (!r.ok) return 'unreachable';
    const first = r.stdout.trim().split('\n').filter(Boolean)[0];
    if (!first) return null;
    const [pid, stat] = first.trim().split(/\s+/);
    return { pid: Number(pid), paused: (stat ?? '').startsWith('T') };
  }

  // ---- agents ----------------------------------------------------------------------------------------

  async startAgent(spec: LabSpec, node: NodeSpec, opts: StartOptions): Promise<void> {
    if (!this.isVm(node)) return this.local.startAgent(spec, node, opts);
    if (!existsSync(this.sshConfig)) throw new VagrantError(`${node.machine} is not running: bring it up first (consul-lab vm up ${node.machine})`);
    mkdirSync(this.dir.nodeDir(node.name), { recursive: true });
    await supervise(this.dir, 'agent', {
      name: node.name,
      file: 'ssh',
      args: [...this.sshArgs(), '-tt', node.machine, remoteAgentCommand(spec, node, opts)],
      env: {},
      cwd: this.dir.root,
      logFile: this.dir.logFile(node.name),
      meta: { ui: opts.ui, rejoin: opts.rejoin, machine: node.machine },
    });
  }

  async agentProcess(node: NodeSpec): Promise<AgentProcess> {
    if (!this.isVm(node)) return this.local.agentProcess(node);
    const vm = this.readStates()[node.machine];
    const rec = this.dir.readRun('agent', node.name);
    const session = rec ? await this.local.agentProcess(node) : null;
    const inVm = vm === 'running' || vm === undefined ? await this.vmAgent(node.machine) : 'unreachable';
    const ui = rec?.meta.ui === true;
    if (inVm !== 'unreachable' && inVm) return { process: inVm.paused ? 'paused' : 'running', pid: inVm.pid, ui, vm };
    // No agent in the VM (yet): a live ssh session is still starting it.
    if (session && session.process !== 'stopped') return { process: 'running', pid: null, ui, vm };
    if (inVm === 'unreachable' && vm === 'running') this.refreshStatesSoon();
    return { process: 'stopped', pid: null, ui: false, vm };
  }

  async signalAgent(node: NodeSpec, sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    if (!this.isVm(node)) return this.local.signalAgent(node, sig);
    const name = sig.slice(3);
    const r = await this.inVm(node.machine, `pkill -${name} -x consul`);
    if (!r.ok) throw new Error(`${node.name} is not running (no consul agent in ${node.machine})`);
  }

  async stopAgent(node: NodeSpec): Promise<void> {
    if (!this.isVm(node)) return this.local.stopAgent(node);
    if (this.readStates()[node.machine] === 'running') {
      // SIGTERM inside the VM (SIGCONT first, for a paused agent), SIGKILL if it lingers; then the session ends.
      await this.inVm(
        node.machine,
        'pkill -CONT -x consul; pkill -TERM -x consul || exit 0; for i in $(seq 40); do pgrep -x consul >/dev/null || exit 0; sleep 0.2; done; pkill -KILL -x consul; sleep 0.5; ! pgrep -x consul >/dev/null',
        20_000,
      );
    }
    const rec = this.dir.liveRun('agent', node.name);
    if (!rec) return;
    await terminate(rec.pid, 3000);
    if (sameProcess(rec.supervisorPid, rec.supervisorStartTime)) await terminate(rec.supervisorPid, 3000);
  }

  lastWords(node: NodeSpec): string {
    return this.local.lastWords(node);
  }

  shell(node: NodeSpec): ShellCommand {
    if (!this.isVm(node)) return this.local.shell(node);
    if (!existsSync(this.sshConfig)) {
      const why = `${node.machine} is not running (${this.readStates()[node.machine] ?? 'not created'}): bring the lab up, or the VM from its panel`;
      return { file: '/bin/sh', args: ['-c', 'printf "%s\\r\\n" "$1"', 'sh', why], cwd: this.dir.root, env: {} };
    }
    return { file: 'ssh', args: [...this.sshArgs(), '-t', node.machine], cwd: this.dir.root, env: { CONSUL_LAB_NODE: node.name } };
  }

  serviceHost(node: NodeSpec): ServiceHost | null {
    if (!this.isVm(node)) return null;
    const { machine } = node;
    return {
      machine,
      dir: SERVICE_DIR,
      start: async (id, script, job) => {
        const name = `service-${createHash('sha256').update(script).digest('hex').slice(0, 16)}.cjs`;
        const r = await this.inVm(machine, remoteServiceStart(id, name, job), 30_000, script);
        if (r.code === NO_NODE) {
          throw new VagrantError(
            `node is not installed in ${machine}, and ${id} runs on it there: rebuild the box (scripts/vagrant/build-box.sh) and recreate the lab (consul-lab destroy, then up), or install it in the VM (vagrant ssh ${machine} -c 'sudo apt-get install -y nodejs')`,
          );
        }
        const pid = Number(r.stdout.trim().split('\n').pop());
        if (!r.ok || !Number.isInteger(pid) || pid <= 0) throw new VagrantError(`could not start ${id} in ${machine}: ${(r.stderr || r.stdout).trim() || 'ssh failed'}`);
        return pid;
      },
      alive: async (id, pid) => (await this.inVm(machine, `if ${isService(id, pid)}; then echo alive; fi`)).stdout.trim() === 'alive',
      signal: async (id, pid, sig, graceMs) => {
        const is = isService(id, pid);
        const tries = Math.ceil(graceMs / 100);
        const term = `kill -CONT ${pid}; kill -TERM ${pid}; i=0; while ${is} && [ $i -lt ${tries} ]; do i=$((i+1)); sleep 0.1; done; `;
        const kill = `${is} && kill -KILL ${pid}; i=0; while ${is} && [ $i -lt 50 ]; do i=$((i+1)); sleep 0.1; done; `;
        const r = await this.inVm(machine, `${is} || exit 0; ${sig === 'SIGTERM' ? term : ''}${kill}! ${is}`, graceMs + 15_000);
        if (!r.ok) throw new VagrantError(`${id} (pid ${pid} in ${machine}) did not end after ${sig}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
      },
      logTail: async (id) => (await this.inVm(machine, `tail -c 1500 ${shellQuote(`${SERVICE_DIR}/${id}.log`)}`)).stdout,
    };
  }

  strays(): { pid: number; argv: string[] }[] {
    return this.local.strays();
  }
}

/** Whether the host holds the address (it can bind it; a bridge without ports is not listed by os.networkInterfaces). */
function hostHasAddress(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'EADDRNOTAVAIL'));
    srv.listen({ host: address, port: 0 }, () => srv.close(() => resolve(true)));
  });
}

/** Whether a machine answers at the address (a TCP connect that is accepted or refused; silence is nobody). */
function answers(address: string, port = 22, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'));
    s.connect(port, address);
  });
}

