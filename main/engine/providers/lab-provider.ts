/**
 * A lab's provider, composed: the host backend runs the agents that live on this machine, a machine backend
 * (VMs; none for the local provider) runs those that live in machines. `backendOf` is the one place that decides
 * which; the machine backend's capabilities (power, the Vagrantfile) are the provider's.
 */
import { runsOnHost } from '../../common/steps.js';
import type { LabSpec, NodeSpec, ProviderName } from '../../common/types.js';
import type { LabDir } from '../lab/labdir.js';
import type { HostBackend } from './host.js';
import type {
  AgentBackend,
  AgentProcess,
  MachineBackend,
  MachinePower,
  Progress,
  Provider,
  ServiceHost,
  ShellCommand,
  StartOptions,
  VagrantfileEditing,
} from './provider.js';

export class LabProvider implements Provider {
  readonly power?: MachinePower;
  readonly vagrantfile?: VagrantfileEditing;

  constructor(
    readonly name: ProviderName,
    readonly dir: LabDir,
    private readonly host: HostBackend,
    private readonly machines: MachineBackend | null,
  ) {
    this.power = machines?.power;
    this.vagrantfile = machines?.vagrantfile;
  }

  private backendOf(node: NodeSpec): AgentBackend {
    return this.machines && !runsOnHost(node) ? this.machines : this.host;
  }

  /** A machine backend checks its network too, including the host's side of it; the host backend checks ports. */
  preflight(spec: LabSpec, nodes: NodeSpec[]): Promise<string | undefined> {
    return (this.machines ?? this.host).preflight(spec, nodes);
  }

  /** Only where agents start within a second or two of the checks: a VM takes far longer than an armed supervisor waits. */
  warmUp(nodes: NodeSpec[]): void {
    if (!this.machines) this.host.warmUp(nodes);
  }

  cancelWarmUp(): Promise<void> {
    return this.host.cancelWarmUp();
  }

  async startMachines(spec: LabSpec, progress: Progress): Promise<void> {
    await this.machines?.startMachines(spec, progress);
  }

  async stopMachines(spec: LabSpec, progress: Progress): Promise<void> {
    await this.machines?.stopMachines(spec, progress);
  }

  async destroyMachines(spec: LabSpec, progress: Progress): Promise<void> {
    await this.machines?.destroyMachines(spec, progress);
  }

  startAgent(spec: LabSpec, node: NodeSpec, opts: StartOptions): Promise<void> {
    return this.backendOf(node).startAgent(spec, node, opts);
  }

  agentProcess(node: NodeSpec): Promise<AgentProcess> {
    return this.backendOf(node).agentProcess(node);
  }

  signalAgent(node: NodeSpec, sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    return this.backendOf(node).signalAgent(node, sig);
  }

  stopAgent(node: NodeSpec): Promise<void> {
    return this.backendOf(node).stopAgent(node);
  }

  lastWords(node: NodeSpec): string {
    return this.backendOf(node).lastWords(node);
  }

  shell(node: NodeSpec): ShellCommand {
    return this.backendOf(node).shell(node);
  }

  serviceHost(node: NodeSpec): ServiceHost | null {
    return this.backendOf(node).serviceHost(node);
  }

  strays(): { pid: number; argv: string[] }[] {
    return this.host.strays();
  }
}
