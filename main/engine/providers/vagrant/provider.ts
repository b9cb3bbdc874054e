/**
 * The vagrant provider: the tutorial's VMs (n1, n2, … on 172.20.20.0/24) run the servers, the host runs the
 * client agent on 172.20.20.1. VMs are driven with `vagrant up/status/halt/destroy` in a pty; each VM's agent
 * runs under the lab's supervisor as `vagrant ssh nX -c 'consul agent …'`. The agent's state is always read
 * from the VM (over ssh with the config `vagrant ssh-config` gives), so a dropped session does not lose it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { InputError } from '../../../common/names.js';
import type { LabSpec, NodeSpec, VagrantChoice } from '../../../common/types.js';
import { resolveConsul } from '../../consul/resolve.js';
import type { LabDir } from '../../lab/labdir.js';
import { terminate } from '../../process/procs.js';
import { agentArgs, agentConfig } from '../agent-config.js';
import { supervise } from '../../process/launch.js';
import { LocalProvider } from '../local.js';
import type { AgentProcess, Progress, Provider, ServiceHost, ShellCommand, StartOptions } from '../provider.js';
import { VAGRANT_ENV, VagrantError, explainFailure, findVagrant, machineStates, runVagrant, vagrantQuery, type MachineLine } from './cli.js';
import { LXC_BOX, chooseOptions, labOptions, lxcBoxFile, saveOptions, type VagrantOptions } from './options.js';
import { rubySyntaxError } from './ruby-check.js';
import { shellJoin, shellQuote } from './quote.js';
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

/** Finds the VM's consul agent: "pid stat" lines. */
const PROBE = 'for p in $(pgrep -x consul); do echo "$p $(ps -o stat= -p $p)"; done; true';

export class VagrantProvider implements Provider {
  readonly name = 'vagrant' as const;
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

  private vagrant(): string {
    return (this.vagrantPath ??= findVagrant());
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
    const list = await vagrantQuery(this.vagrant(), ['box', 'list', '--machine-readable'], this.dir.root);
    const have = list.lines.some((l) => l.type === 'box-name' && l.data[0] === opts.box);
    if (have) return;
    const file = lxcBoxFile();
    if (!existsSync(file)) {
      throw new VagrantError(
        `the box ${opts.box} is not on this machine and is not downloadable: build it with scripts/vagrant/build-box.sh (as root; it is cached at ${file})`,
      );
    }
    progress('box', `Add box ${opts.box}`, 'start');
    const r = await runVagrant(this.vagrant(), ['box', 'add', '--machine-readable', '--name', opts.box, file], { cwd: this.dir.root, timeoutMs: 300_000, what: 'vagrant box add' });
    if (r.code !== 0) {
      const err = explainFailure(r.lines, r.output, { what: 'vagrant box add', options: opts });
      progress('box', `Add box ${opts.box}`, 'fail', err.message);
      throw err;
    }
    progress('box', `Add box ${opts.box}`, 'done');
  }

  /** Runs a lifecycle command with one progress step per VM, from the machine-readable output. */
  private async lifecycle(spec: LabSpec, progress: Progress, verb: string, args: string[], label: (m: string) => string, timeoutMs: number): Promise<void> {
    const vms = vmNodes(spec).map((n) => n.machine);
    const opts = this.options;
    const started = new Set<string>();
    const finished = new Set<string>();
    const onLine = (l: MachineLine) => {
      if (!vms.includes(l.target)) return;
      const step = `vm-${verb}-${l.target}`;
      if (!started.has(l.target)) {
        started.add(l.target);
        progress(step, label(l.target), 'start');
      }
      if (l.type === 'ui' && (l.data[0] === 'info' || l.data[0] === 'output') && l.data[1]) {
        const msg = l.data.slice(1).join(',').replace(/^==> [^:]+: /, '').trim();
        if (msg) progress(step, label(l.target), 'start', msg);
      }
      if (l.type === 'action' && l.data[0] === verb && l.data[1] === 'end' && !finished.has(l.target)) {
        finished.add(l.target);
        progress(step, label(l.target), 'done');
      }
    };
    let r;
    try {
      r = await runVagrant(this.vagrant(), [...args, '--machine-readable'], { cwd: this.dir.root, timeoutMs, what: `vagrant ${verb}`, onLine });
    } catch (err) {
      for (const m of started) if (!finished.has(m)) progress(`vm-${verb}-${m}`, label(m), 'fail', (err as Error).message);
      throw err;
    }
    await this.refreshStates();
    if (r.code !== 0) {
      const err = explainFailure(r.lines, r.output, { what: `vagrant ${verb}`, options: opts });
      for (const m of vms) if (!finished.has(m)) progress(`vm-${verb}-${m}`, label(m), 'fail', err.message);
      throw err;
    }
    for (const m of vms) if (started.has(m) && !finished.has(m)) progress(`vm-${verb}-${m}`, label(m), 'done');
  }

  async startMachines(spec: LabSpec, progress: Progress): Promise<void> {
    const opts = this.options;
    await this.ensureBox(opts, progress);
    this.removeLxcOrphans(spec);
    const args = opts.backend === 'auto' ? ['up'] : ['up', `--provider=${opts.backend}`];
    await this.lifecycle(spec, progress, 'up', args, (m) => `Bring up ${m} (vagrant up)`, opts.upTimeoutMs);
    const states = this.readStates();
    const down = vmNodes(spec).filter((n) => states[n.machine] !== 'running');
    if (down.length) throw new VagrantError(`${down.map((n) => `${n.machine} is ${states[n.machine] ?? 'unknown'}`).join(', ')} after vagrant up`);
    await this.writeSshConfig();
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
    await this.lifecycle(spec, progress, 'halt', ['halt'], (m) => `Halt ${m} (vagrant halt)`, 300_000);
    rmSync(join(this.vmDir, 'ssh-config'), { force: true });
  }

  async destroyMachines(spec: LabSpec, progress: Progress): Promise<void> {
    if (this.created()) await this.lifecycle(spec, progress, 'destroy', ['destroy', '-f'], (m) => `Destroy ${m} (vagrant destroy)`, 300_000);
    this.removeLxcOrphans(spec);
  }

  /** Whether Vagrant made any machine of this lab (else there is nothing to halt or destroy). */
  private created(): boolean {
    return existsSync(join(this.dir.root, '.vagrant', 'machines'));
  }

  private async refreshStates(): Promise<Record<string, string>> {
    const r = await vagrantQuery(this.vagrant(), ['status', '--machine-readable'], this.dir.root);
    const states = machineStates(r.lines);
    mkdirSync(this.vmDir, { recursive: true });
    writeFileSync(join(this.vmDir, 'state.json'), JSON.stringify(states));
    return states;
  }

  private readStates(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(join(this.vmDir, 'state.json'), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  private async writeSshConfig(): Promise<string | null> {
    const r = await vagrantQuery(this.vagrant(), ['ssh-config'], this.dir.root);
    if (r.code !== 0 || !/^Host /m.test(r.output)) return null;
    const file = join(this.vmDir, 'ssh-config');
    writeFileSync(file, r.output);
    return file;
  }

  /** A command run in the VM over plain ssh (fast: no Ruby start-up), with Vagrant's own ssh settings. */
  private async inVm(
    machine: string,
    command: string,
    timeoutMs = 15_000,
    input?: Uint8Array,
  ): Promise<{ ok: boolean; code: number | null; stdout: string; stderr: string }> {
    // A lab never brought up has no VM to ask, and asking Vagrant costs a Ruby start on every look.
    if (!existsSync(join(this.dir.root, '.vagrant', 'machines', machine))) return { ok: false, code: null, stdout: '', stderr: `${machine} was never created` };
    let cfg: string | null = join(this.vmDir, 'ssh-config');
    if (!existsSync(cfg)) cfg = await this.writeSshConfig();
    if (!cfg) return { ok: false, code: null, stdout: '', stderr: 'no ssh config: the VM is not running' };
    return new Promise((resolve) => {
      const child = execFile(
        'ssh',
        ['-F', cfg!, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', machine, command],
        { timeout: timeoutMs, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ ok: !err, code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
      );
      if (input) {
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(input);
      }
    });
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
    mkdirSync(this.dir.nodeDir(node.name), { recursive: true });
    await supervise(this.dir, 'agent', {
      name: node.name,
      file: this.vagrant(),
      args: ['ssh', node.machine, '--tty', '-c', remoteAgentCommand(spec, node, opts)],
      env: VAGRANT_ENV,
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
    // No agent in the VM (yet): a live `vagrant ssh` session is still starting it.
    if (session && session.process !== 'stopped') return { process: 'running', pid: null, ui, vm };
    if (inVm === 'unreachable' && vm === 'running') this.refreshStates().catch(() => undefined);
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
    const rec = this.dir.readRun('agent', node.name);
    if (!rec) return;
    await terminate(rec.pid, 3000);
    await terminate(rec.supervisorPid, 3000);
  }

  lastWords(node: NodeSpec): string {
    return this.local.lastWords(node);
  }

  shell(node: NodeSpec): ShellCommand {
    if (!this.isVm(node)) return this.local.shell(node);
    return {
      file: this.vagrant(),
      args: ['ssh', node.machine],
      cwd: this.dir.root,
      env: { ...VAGRANT_ENV, CONSUL_LAB_NODE: node.name },
    };
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

