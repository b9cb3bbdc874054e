/** What differs between running agents as local processes and running them inside VMs. */
import type { VmAction } from '../../common/steps.js';
import type { LabSpec, MachineInfo, NodeSpec, ProcessState, ProviderName, VagrantChoice } from '../../common/types.js';
import type { LabDir } from '../lab/labdir.js';

export interface AgentProcess {
  process: ProcessState;
  pid: number | null;
  /** Started with -ui. */
  ui: boolean;
  /** vagrant only: the VM's state in Vagrant's words. */
  vm?: string;
}

export interface StartOptions {
  rejoin: boolean;
  ui: boolean;
}

export interface ShellCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * Lab services (Greeter instances) run inside a node's machine: each started as `node SCRIPT DIR/ID.job`, its
 * log in DIR/ID.log. Pids are the machine's; a pid counts as the service only while its command line names its job.
 */
export interface ServiceHost {
  /** The machine, for messages: "n1". */
  readonly machine: string;
  /** The service's directory in the machine (its job, record and log). */
  readonly dir: string;
  /** Writes the job to DIR/ID.job and starts `node SCRIPT DIR/ID.job` detached; resolves with its pid. */
  start(id: string, script: Uint8Array, job: string): Promise<number>;
  /** False also when the machine cannot be reached. */
  alive(id: string, pid: number): Promise<boolean>;
  /** SIGTERM (SIGKILL after graceMs) or SIGKILL; resolves once the process is gone, throws if it is not. */
  signal(id: string, pid: number, sig: 'SIGTERM' | 'SIGKILL', graceMs: number): Promise<void>;
  /** The end of the service's log, to explain a failed start. */
  logTail(id: string): Promise<string>;
}

/** The machines the agents run in (VMs), for providers that have them: their state, and actions on each. */
export interface MachinePower {
  /** Each machine as last seen: no slow look at Vagrant, so that status stays fast while it works. */
  machines(spec: LabSpec): MachineInfo[];
  /** Asks Vagrant for the machines' states now. */
  refresh(): Promise<void>;
  /** One action on one machine, reported as one progress step; the agent in it is left stopped. */
  machineAction(spec: LabSpec, machine: string, action: VmAction, progress: Progress): Promise<void>;
  /** The file that keeps what the machine's vagrant commands printed. */
  machineLog(machine: string): string;
}

export type Progress = (step: string, label: string, status: 'start' | 'done' | 'fail', message?: string) => void;

export interface Provider {
  readonly name: ProviderName;
  /** Everything that can be checked before anything starts: binaries, ports, tools. Throws a clear error. */
  preflight(spec: LabSpec, nodes: NodeSpec[]): Promise<void>;
  /** Optional: prepare to start these agents soon (start their supervisors early), and undo that if they are not. */
  warmUp?(nodes: NodeSpec[]): void;
  cancelWarmUp?(): Promise<void>;
  /** Bring up the machines the agents run on (VMs); nothing for local agents. */
  startMachines(spec: LabSpec, progress: Progress): Promise<void>;
  /** Start one agent with the tutorial's flags (plus -rejoin -ui when asked); resolves once it is spawned. */
  startAgent(spec: LabSpec, node: NodeSpec, opts: StartOptions): Promise<void>;
  agentProcess(node: NodeSpec): Promise<AgentProcess>;
  /** Deliver a signal to the agent process: SIGKILL (failure injection), SIGSTOP / SIGCONT (a hung node). */
  signalAgent(node: NodeSpec, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void>;
  /** Stop the agent (SIGTERM, then SIGKILL) and verify that it is gone. */
  stopAgent(node: NodeSpec): Promise<void>;
  /** Exit status of an agent that stopped, and the end of its log, to explain a failed start. */
  lastWords(node: NodeSpec): string;
  /** An interactive shell "on" the node: its CONSUL_HTTP_ADDR pointing at the node's agent. */
  shell(node: NodeSpec): ShellCommand;
  /** Stop the machines (VMs), keeping them; nothing for local agents. */
  stopMachines(spec: LabSpec, progress: Progress): Promise<void>;
  destroyMachines(spec: LabSpec, progress: Progress): Promise<void>;
  /** Optional: where the node's lab services run when not as local processes (inside its VM); null for local ones. */
  serviceHost?(node: NodeSpec): ServiceHost | null;
  /** The lab's VMs, for providers that run agents in machines. */
  readonly power?: MachinePower;
  /** Processes of the lab that no run record accounts for (left by a crash), found by scanning. */
  strays(): { pid: number; argv: string[] }[];
  readonly dir: LabDir;
  /** vagrant only: the lab's Vagrantfile (generated when missing), the user's edit of it, the machine choices. */
  readVagrantfile?(spec: LabSpec): Promise<string>;
  saveVagrantfile?(text: string): Promise<void>;
  choose?(choice: VagrantChoice): void;
  dropGeneratedVagrantfile?(spec: LabSpec): Promise<void>;
}
