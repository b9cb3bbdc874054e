/**
 * The vagrant provider's machine backend: the tutorial's VMs (n1, n2, … on 172.20.20.0/24) run the servers, and
 * their agents run inside them, each under the lab's supervisor as an ssh session (`ssh -tt nX consul agent …`);
 * the host's client agent is the host backend's. The agent's state is always read from the VM, so a dropped
 * session loses nothing.
 */
import { Socket, createServer } from 'node:net';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { machinesOf, runsOnHost, type VmAction } from '../../../common/steps.js';
import type { LabSpec, NodeSpec } from '../../../common/types.js';
import type { LabDir } from '../../lab/labdir.js';
import { supervise } from '../../process/launch.js';
import { sameProcess, terminate } from '../../process/procs.js';
import type { HostBackend } from '../host.js';
import type { AgentProcess, MachineBackend, MachinePower, Progress, ServiceHost, ShellCommand, StartOptions } from '../provider.js';
import { VagrantError } from './cli.js';
import { saveOptions } from './options.js';
import { remoteAgentCommand } from './remote.js';
import { vmServiceHost } from './service-host.js';
import { VagrantfileStore } from './vagrantfile-store.js';
import { vmNodes } from './vagrantfile.js';
import { Vms } from './vms.js';

export class VagrantBackend implements MachineBackend {
  private readonly vms: Vms;
  readonly vagrantfile: VagrantfileStore;
  readonly power: MachinePower;

  constructor(
    readonly dir: LabDir,
    /** The host's side of the private network: its client agent's ports are checked with the host backend. */
    private readonly host: HostBackend,
  ) {
    this.vms = new Vms(dir);
    this.vagrantfile = new VagrantfileStore(dir, this.vms);
    this.power = {
      machines: (spec) => this.vms.machines(spec),
      refresh: () => this.vms.refresh(),
      machineAction: (spec, machine, action, progress) => this.machineAction(spec, machine, action, progress),
      machineLog: (machine) => this.vms.machineLog(machine),
    };
  }

  private get store(): VagrantfileStore {
    return this.vagrantfile;
  }

  async preflight(spec: LabSpec, nodes: NodeSpec[]): Promise<string | undefined> {
    this.vms.vagrant();
    const opts = this.vms.options;
    saveOptions(this.vms.vmDir, opts);
    await this.store.write(spec, opts);
    // The host's side of the private network: the bridge with lxc (made beforehand), VirtualBox's at vagrant up.
    const gateway = `${vmNodes(spec)[0]!.address.split('.').slice(0, 3).join('.')}.1`;
    const network = `${gateway.slice(0, -1)}0/24`;
    if (!(await hostHasAddress(gateway))) {
      if (opts.backend === 'lxc') {
        throw new VagrantError(
          `the host has no address ${gateway} on bridge ${opts.bridge}: ` +
            'create the private network first (as root: scripts/vagrant/bridge.sh up STATEFILE)',
        );
      }
      // Nothing on it can be in use yet, and a probe of its addresses would leave the machine by its default route.
      return `the private network ${network} does not exist yet: vagrant up creates it`;
    }
    const hostNodes = nodes.filter((n) => runsOnHost(n));
    if (hostNodes.length) await this.host.preflight(spec, hostNodes);
    const vms = nodes.filter((n) => !runsOnHost(n));
    const states = existsSync(join(this.dir.root, '.vagrant')) ? this.vms.readStates() : {};
    for (const n of vms) {
      if (states[n.machine] === 'running') continue;
      if (existsSync(join(this.dir.root, '.vagrant', 'machines', n.machine))) continue;
      if (await answers(n.address)) {
        throw new VagrantError(
          `address ${n.address} (${n.machine}) is already in use by another machine on the private network: ` +
            "another lab's VMs? Stop them (consul-lab down --lab DIR) first.",
        );
      }
    }
  }

  async startMachines(spec: LabSpec, progress: Progress): Promise<void> {
    const opts = this.vms.options;
    await this.vms.ensureBox(opts, progress);
    this.vms.removeLxcOrphans(spec);
    // Every machine to the end of its provisioning before any agent starts.
    await this.vms.act(machinesOf(spec), 'up', progress, opts.upTimeoutMs);
    const host = spec.nodes.filter((n) => !!runsOnHost(n));
    const missing: NodeSpec[] = [];
    for (const n of host) if (!(await hostHasAddress(n.address))) missing.push(n);
    if (missing.length) {
      throw new VagrantError(
        `the host has no address ${missing[0]!.address} after vagrant up: the private network did not come up on the host side`,
      );
    }
    // Ports of the host's client agent, now that the private network exists on this side too.
    await this.host.preflight(spec, host);
  }

  async stopMachines(spec: LabSpec, progress: Progress): Promise<void> {
    if (!this.vms.created()) return;
    await this.vms.act(machinesOf(spec), 'halt', progress, 300_000);
    rmSync(this.vms.sshConfig, { force: true });
  }

  async destroyMachines(spec: LabSpec, progress: Progress): Promise<void> {
    if (this.vms.created()) await this.vms.act(machinesOf(spec), 'destroy', progress, 300_000);
    this.vms.removeLxcOrphans(spec);
  }

  async machineAction(spec: LabSpec, machine: string, action: VmAction, progress: Progress): Promise<void> {
    const node = vmNodes(spec).find((n) => n.machine === machine)!;
    if (action === 'up') {
      await this.vms.ensureBox(this.vms.options, progress);
      this.vms.removeLxcOrphans(spec);
    } else if (action !== 'provision') {
      await this.stopAgent(node);
    }
    await this.vms.act([machine], action, progress, action === 'up' || action === 'reload' ? this.vms.options.upTimeoutMs : 300_000);
    if (action === 'destroy') this.vms.removeLxcOrphans(spec);
    if (!existsSync(join(this.dir.root, '.vagrant', 'machines')) || machinesOf(spec).every((m) => this.vms.readStates()[m] !== 'running')) {
      rmSync(this.vms.sshConfig, { force: true });
    }
  }

  async startAgent(spec: LabSpec, node: NodeSpec, opts: StartOptions): Promise<void> {
    if (!existsSync(this.vms.sshConfig))
      throw new VagrantError(`${node.machine} is not running: bring it up first (consul-lab vm up ${node.machine})`);
    mkdirSync(this.dir.nodeDir(node.name), { recursive: true });
    await supervise(this.dir, 'agent', {
      name: node.name,
      file: 'ssh',
      args: [...this.vms.sshArgs(), '-tt', node.machine, remoteAgentCommand(spec, node, opts)],
      env: {},
      cwd: this.dir.root,
      logFile: this.dir.logFile(node.name),
      meta: { ui: opts.ui, rejoin: opts.rejoin, machine: node.machine },
    });
  }

  async agentProcess(node: NodeSpec): Promise<AgentProcess> {
    const vm = this.vms.readStates()[node.machine];
    const rec = this.dir.readRun('agent', node.name);
    const session = rec ? await this.host.agentProcess(node) : null;
    const inVm = vm === 'running' || vm === undefined ? await this.vms.vmAgent(node.machine) : 'unreachable';
    const ui = rec?.meta.ui === true;
    if (inVm !== 'unreachable' && inVm) return { process: inVm.paused ? 'paused' : 'running', pid: inVm.pid, ui };
    // No agent in the VM (yet): a live ssh session is still starting it.
    if (session && session.process !== 'stopped') return { process: 'running', pid: null, ui };
    if (inVm === 'unreachable' && vm === 'running') this.vms.refreshStatesSoon();
    return { process: 'stopped', pid: null, ui: false };
  }

  async signalAgent(node: NodeSpec, sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const name = sig.slice(3);
    const r = await this.vms.inVm(node.machine, `pkill -${name} -x consul`);
    if (!r.ok) throw new Error(`${node.name} is not running (no consul agent in ${node.machine})`);
  }

  async stopAgent(node: NodeSpec): Promise<void> {
    if (this.vms.readStates()[node.machine] === 'running') {
      // SIGTERM inside the VM (SIGCONT first, for a paused agent), SIGKILL if it lingers; then the session ends.
      await this.vms.inVm(
        node.machine,
        'pkill -CONT -x consul; pkill -TERM -x consul || exit 0; ' +
          'for i in $(seq 40); do pgrep -x consul >/dev/null || exit 0; sleep 0.2; done; ' +
          'pkill -KILL -x consul; sleep 0.5; ! pgrep -x consul >/dev/null',
        20_000,
      );
    }
    const rec = this.dir.liveRun('agent', node.name);
    if (!rec) return;
    await terminate(rec.pid, 3000);
    if (sameProcess(rec.supervisorPid, rec.supervisorStartTime)) await terminate(rec.supervisorPid, 3000);
  }

  lastWords(node: NodeSpec): string {
    return this.host.lastWords(node);
  }

  shell(node: NodeSpec): ShellCommand {
    if (!existsSync(this.vms.sshConfig)) {
      const state = this.vms.readStates()[node.machine] ?? 'not created';
      const why = `${node.machine} is not running (${state}): bring the lab up, or the VM from its panel`;
      return { file: '/bin/sh', args: ['-c', 'printf "%s\\r\\n" "$1"', 'sh', why], cwd: this.dir.root, env: {} };
    }
    return { file: 'ssh', args: [...this.vms.sshArgs(), '-t', node.machine], cwd: this.dir.root, env: { CONSUL_LAB_NODE: node.name } };
  }

  serviceHost(node: NodeSpec): ServiceHost | null {
    return runsOnHost(node) ? null : vmServiceHost(this.vms, node.machine);
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
