/** The shapes of lab state and events, shared by the engine, every door and the renderer. */

export type ProviderName = 'local' | 'vagrant';

/** The Vagrant provider behind a vagrant lab's VMs; auto leaves the choice to Vagrant. */
export const VAGRANT_BACKENDS = ['auto', 'virtualbox', 'libvirt', 'lxc'] as const;
export type VagrantBackend = (typeof VAGRANT_BACKENDS)[number];

/** A vagrant lab's machine choices; without a box, the backend's default box. */
export interface VagrantChoice {
  provider: VagrantBackend;
  box?: string;
}
export type Role = 'server' | 'client';

/** What can be done to one of a lab's VMs (steps.ts words each). */
export type VmAction = 'up' | 'halt' | 'reload' | 'provision' | 'destroy';

/** Consul's own words for a serf member (agent/members Status 0..4). */
export type MemberStatus = 'none' | 'alive' | 'leaving' | 'left' | 'failed';

export interface NodeSpec {
  name: string;
  role: Role;
  /** The tutorial's machine this node stands for: n1, n2, … or host. */
  machine: string;
  /** The address the agent binds (serf, raft) and serves its HTTP API and DNS on. */
  address: string;
  ports: { http: number; dns: number; serfLan: number; serfWan: number; server: number };
}

export interface LabSpec {
  name: string;
  provider: ProviderName;
  datacenter: string;
  bootstrapExpect: number;
  /** raft_multiplier = 1: production timing, so elections take about a second. */
  fastElection: boolean;
  nodes: NodeSpec[];
}

export type ProcessState = 'running' | 'paused' | 'stopped';

export interface NodeState {
  name: string;
  role: Role;
  address: string;
  httpAddr: string;
  process: ProcessState;
  pid: number | null;
  /** Whether this node's own HTTP API answered on the last look. */
  apiUp: boolean;
  /** Whether the agent was started with -ui (after rejoin), so /ui/ is served. */
  ui: boolean;
  /** The VM the agent runs in (vagrant provider); null for an agent that runs on the host or as a local process. */
  machine: MachineInfo | null;
  /** A server's own raft state (from its /v1/agent/self); null for a client, or a server that does not answer. */
  raft: RaftState | null;
}

/** One server's raft state, as it reports it. */
export interface RaftState {
  /** In raft's words: Leader, Follower, Candidate, Shutdown. */
  state: string;
  term: number;
  lastLogIndex: number;
  commitIndex: number;
  appliedIndex: number;
  /** Time since the leader was last heard from, as Consul prints it ("12.5ms", "never"; "0" on the leader). */
  lastContact: string;
  /** The raft addresses (host:port) of the voters in this server's latest configuration. */
  voters: string[];
}

/** A VM of the lab, as Vagrant last reported it. */
export interface MachineInfo {
  name: string;
  /** The node whose agent runs in it. */
  node: string;
  /** In Vagrant's words: running, poweroff, stopped, not_created, … ("unknown" before Vagrant was first asked). */
  state: string;
  /** The Vagrant provider (virtualbox, libvirt, lxc, or auto: Vagrant's choice). */
  provider: string;
  box: string;
  /** Whether Vagrant made it for this lab (only such a machine can be halted, reloaded or destroyed). */
  made: boolean;
}

export interface Member {
  name: string;
  address: string;
  port: number;
  status: MemberStatus;
  role: Role;
  build: string;
  dc: string;
}

export interface RaftHealth {
  voters: string[];
  aliveVoters: number;
  quorum: number;
  /** How many more servers may fail before quorum is lost (negative: quorum lost). */
  tolerates: number;
}

export type GreeterHealth = 'passing' | 'warning' | 'critical' | 'unknown' | 'deregistered';

/** A request or response type of a Go Micro endpoint, as its "e-" tag describes it: a struct's fields nest. */
export interface GoMicroValue {
  name: string;
  type: string;
  values?: GoMicroValue[];
}

export interface GoMicroEndpoint {
  name: string;
  request: GoMicroValue | null;
  response: GoMicroValue | null;
  metadata: Record<string, string>;
}

/** What Go Micro's Consul registry writes in a registration's tags as hex of zlib JSON ("v-", "t-", "e-"), decoded. */
export interface GoMicroInfo {
  version: string | null;
  /** The node's metadata ("t-" tags): transport, broker, server, registry, protocol. */
  metadata: Record<string, string>;
  endpoints: GoMicroEndpoint[];
}

/** The registration's own check, in Consul's words (Go Micro's is a TTL check it refreshes). */
export interface GreeterCheck {
  name: string;
  type: string;
  status: string;
  output: string;
}

/**
 * A Go Micro registration: the lab's Greeter instances (running or stopped, until removed), and every other
 * service registered the Go Micro way in the cluster (external: started by the user in a terminal, say).
 */
export interface GreeterInstance {
  /** Consul's service ID, which Go Micro makes <service>-<uuid>. */
  id: string;
  service: string;
  node: string;
  address: string;
  port: number;
  pid: number | null;
  process: 'running' | 'stopped' | 'external';
  health: GreeterHealth;
  version?: string;
  /** Null while Consul does not hold the registration. */
  gomicro: GoMicroInfo | null;
  meta: Record<string, string>;
  check: GreeterCheck | null;
  /** The lab's instances: the TTL check's settings, and when the lab killed it (SIGKILL: it never deregistered). */
  ttlS?: number;
  intervalS?: number;
  /** Consul deregisters it this long after its check went critical: Go Micro's max(TTL, 1 min) + 5 s. */
  deregisterAfterS?: number;
  killedAt?: number;
}

export interface ClusterSnapshot {
  lab: LabSpec;
  dir: string;
  nodes: NodeState[];
  members: Member[];
  /** Node name of the raft leader, or null when there is none. */
  leader: string | null;
  raft: RaftHealth | null;
  /** Which agent answered the members query. */
  seenFrom: string | null;
  /**
   * Each running agent's own view of the members (null: it did not answer in time). During a failure or a
   * partition they differ for a while: gossip is eventually consistent.
   */
  views: { agent: string; members: { name: string; status: MemberStatus }[] | null }[];
  greeters: GreeterInstance[];
  /** Why Greeter instances cannot be started or called here (no built binary and no Go), in one line; absent when they can. */
  greeterUnavailable?: string;
  /** Whether the lab has been brought up (its lab.json exists): its settings are then fixed until destroy. */
  created: boolean;
  at: number;
}

/**
 * A KV value: bytes, carried as base64 on the wire. `value` is the bytes as text when they are valid UTF-8, else
 * null; `binary` says they are best shown as bytes (not UTF-8, or control characters other than tab, CR and LF).
 */
export interface KvValue {
  value: string | null;
  base64: string;
  bytes: number;
  binary: boolean;
}

export interface KvEntry extends KvValue {
  key: string;
  modifyIndex: number;
}

/** A put or get carries the value; a delete carries none (value and base64 null, 0 bytes). */
export interface KvResult extends Omit<KvValue, 'base64'> {
  key: string;
  base64: string | null;
  /** The agent that served the request. */
  servedBy: string;
}

export interface GreeterCall {
  ok: boolean;
  msg?: string;
  instance?: string;
  node?: string;
  error?: string;
  via: string;
  /** Instances the Go Micro client tried: more than one when it retried on another (one it could not reach). */
  attempts?: number;
  discoveryMs: number;
  callMs: number;
  path: string[];
  at: number;
}

export interface ProgressEvent {
  type: 'progress';
  op: string;
  step: string;
  label: string;
  status: 'start' | 'done' | 'fail';
  message?: string;
  elapsedMs: number;
  at: number;
}

/**
 * What one agent's log says it learned, as it learned it: a member suspected (no acks), marked failed (with the
 * peers that confirmed), failed, joined, left; a suspicion refuted; an election begun or won (with its term).
 */
export interface GossipEvent {
  type: 'gossip';
  observer: string;
  what: 'suspect' | 'marked-failed' | 'failed' | 'joined' | 'left' | 'refute' | 'candidate' | 'elected';
  subject: string;
  confirmations?: number;
  term?: number;
  at: number;
}

export type LabEvent =
  | ProgressEvent
  | { type: 'snapshot'; snapshot: ClusterSnapshot }
  | { type: 'member'; name: string; from: MemberStatus | null; to: MemberStatus; at: number }
  | GossipEvent
  | { type: 'leader'; leader: string | null; previous: string | null; at: number }
  | { type: 'log'; node: string; data: string }
  /** What vagrant prints for one VM (up, halt, reload, provision, destroy), as it prints it. */
  | { type: 'machine-log'; machine: string; data: string }
  | { type: 'term-data'; id: string; data: string }
  | { type: 'term-exit'; id: string; code: number | null }
  | { type: 'greeter-health'; id: string; node: string; from: GreeterHealth | null; to: GreeterHealth; at: number }
  | { type: 'greeter-call'; call: GreeterCall }
  | { type: 'greeter-instance'; id: string; node: string; change: 'started' | 'stopped' | 'killed'; at: number }
  | ActionEvent;

/** What each operation that changes the lab was asked to do, as its action event tells. */
export interface ActionArgs {
  up: Record<string, never>;
  down: Record<string, never>;
  destroy: Record<string, never>;
  join: { node: string; target?: string };
  leave: { node: string };
  kill: { node: string };
  pause: { node: string };
  resume: { node: string };
  rejoin: { node: string };
  /** node: the agent that served the write. */
  kvPut: { key: string; node: string };
  kvDelete: { key: string; node: string };
  configure: { servers?: number; clients?: number; provider?: ProviderName; subnet?: string; vagrant?: VagrantChoice };
  vagrantfilePut: Record<string, never>;
  /** Without a machine: each of the lab's VMs in turn. */
  vm: { action: VmAction; machine?: string };
}
export type ActionOp = keyof ActionArgs;

/** An operation the user started has ended: each operation with its own arguments. */
export type ActionEvent = {
  [K in ActionOp]: { type: 'action'; op: K; args: ActionArgs[K]; ok: boolean; error?: string; at: number };
}[ActionOp];
