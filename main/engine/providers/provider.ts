/** How a lab's agents are run: on this host as local processes, or inside machines (VMs). */
import type { VmAction } from '../../common/steps.js';
import type { LabSpec, MachineInfo, NodeSpec, ProcessState, ProviderName, VagrantChoice } from '../../common/types.js';
import type { LabDir } from '../lab/labdir.js';

export interface AgentProcess {
  process: ProcessState;
  pid: number | null;
  /** Started with -ui. */
  ui: boolean;
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
 * Lab services (Go Micro Greeter instances) run inside a node's machine: each a static program, copied in once
 * per content, started detached with its arguments, its output kept in a log there. Pids are the machine's; a pid
 * counts as the service only while the process has the start time recorded when it was started.
 */
export interface ServiceHost {
  /** The machine, for messages: "n1". */
  readonly machine: string;
  /** The machine's `uname -m` (x86_64, aarch64): which build of a program runs there. */
  arch(): Promise<string>;
  /** Starts the program at `file` (a path on this host) detached, as `id`; resolves with its pid and start time. */
  start(id: string, file: string, args: string[], env: Record<string, string>): Promise<{ pid: number; startTime: string }>;
  /** False also when the machine cannot be reached. */
  alive(pid: number, startTime: string): Promise<boolean>;
  /** SIGTERM (SIGKILL after graceMs) or SIGKILL; resolves once the process is gone, throws if it is not. */
  signal(id: string, pid: number, startTime: string, sig: 'SIGTERM' | 'SIGKILL', graceMs: number): Promise<void>;
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

/** A lab's Vagrantfile, generated once and then the user's to edit. */
export interface VagrantfileEditing {
  /** The file (generated when missing). */
  read(spec: LabSpec): Promise<string>;
  /** The user's edit, checked before it is saved. */
  save(text: string): Promise<void>;
  /** The machine choices (provider and box), kept with the lab. */
  choose(choice: VagrantChoice): void;
  /** Deletes a Vagrantfile generated for this spec and never edited, so that another topology gets its own. */
  dropGenerated(spec: LabSpec): Promise<void>;
}

export type Progress = (step: string, label: string, status: 'start' | 'done' | 'fail', message?: string) => void;

/** Where agents run and how they are started, watched, signalled and stopped: on this host, or in machines. */
export interface AgentBackend {
  /** Everything that can be checked before anything starts: binaries, ports, tools. Throws a clear error; may return a note. */
  preflight(spec: LabSpec, nodes: NodeSpec[]): Promise<string | undefined>;
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
  /** Where the node's lab services run when not as local processes (inside its machine); null for local ones. */
  serviceHost(node: NodeSpec): ServiceHost | null;
}

/** Agents inside machines (VMs now, containers next): the machines' life cycle, and the capabilities they bring. */
export interface MachineBackend extends AgentBackend {
  /** Bring up the machines the agents run on. */
  startMachines(spec: LabSpec, progress: Progress): Promise<void>;
  /** Stop the machines, keeping them. */
  stopMachines(spec: LabSpec, progress: Progress): Promise<void>;
  destroyMachines(spec: LabSpec, progress: Progress): Promise<void>;
  readonly power: MachinePower;
  readonly vagrantfile?: VagrantfileEditing;
}

/**
 * A lab's provider: the host backend for agents on this machine, composed with a machine backend for agents in
 * VMs (none for the local provider); each node's agent goes to the backend it runs on. Capabilities a provider
 * may have are the optional members: machine power, the Vagrantfile (network faults come next).
 */
export interface Provider extends MachineLifecycle, AgentBackend {
  readonly name: ProviderName;
  readonly dir: LabDir;
  /** Prepare to start these agents soon (start their supervisors early), and undo that if they are not. */
  warmUp(nodes: NodeSpec[]): void;
  cancelWarmUp(): Promise<void>;
  /** Processes of the lab that no run record accounts for (left by a crash), found by the lab's id. */
  strays(): { pid: number; argv: string[] }[];
  readonly power?: MachinePower;
  readonly vagrantfile?: VagrantfileEditing;
}

type MachineLifecycle = Pick<MachineBackend, 'startMachines' | 'stopMachines' | 'destroyMachines'>;
