/**
 * The lab: everything the tutorial does by hand, as operations on real Consul agents, with progress and
 * state reported on one event stream. Plain Node: used alike by the CLI, the web host and the Electron main.
 */
import { existsSync } from 'node:fs';
import { InputError, checkNodeName } from '../common/names.js';
import { MUST_DESTROY, NO_MACHINES, NO_VAGRANTFILE } from '../common/contract.js';
import { VM_ACTIONS, destroySteps, downSteps, rejoinSteps, upSteps, type StepDef, type VmAction } from '../common/steps.js';
import type { ClusterSnapshot, KvEntry, KvResult, LabEvent, LabSpec, MachineInfo, Member, NodeSpec, NodeState, ProcessState, VagrantChoice } from '../common/types.js';
import { readLeader, readMembers, readRaft } from './cluster/members.js';
import { AgentClient } from './consul/http.js';
import { EventStream } from './events.js';
import { LabKv } from './kv.js';
import { LabDir } from './lab/labdir.js';
import { checkSpec, findNode, httpAddr, makeSpec, type SpecOptions } from './lab/spec.js';
import { sleep, terminate } from './process/procs.js';
import { createProvider } from './providers/index.js';
import type { Provider } from './providers/provider.js';
import { GreeterManager } from './greeter/manager.js';
import { join } from 'node:path';

export interface LabOptions extends SpecOptions {
  dir: string;
}

export const TIMEOUTS = { api: 20_000, leader: 30_000, alive: 30_000, leave: 15_000 };

export class Lab {
  readonly events = new EventStream();
  readonly dir: LabDir;
  readonly spec: LabSpec;
  readonly provider: Provider;
  readonly greeter: GreeterManager;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: LabOptions) {
    this.dir = new LabDir(options.dir);
    const marker = this.dir.marker();
    if (marker?.state === 'created') {
      this.checkMatches(marker.spec, options);
      this.spec = checkSpec(marker.spec);
    } else if (marker && !(['servers', 'clients', 'provider', 'subnet'] as const).some((k) => options[k] !== undefined)) {
      this.spec = checkSpec(marker.spec); // settings chosen before the first up
    } else {
      this.spec = checkSpec(makeSpec(options));
    }
    this.provider = createProvider(this.spec, this.dir);
    this.greeter = new GreeterManager(this);
  }

  private checkMatches(saved: LabSpec, opts: LabOptions): void {
    const servers = saved.nodes.filter((n) => n.role === 'server').length;
    const clients = saved.nodes.length - servers;
    const diff: string[] = [];
    if (opts.servers !== undefined && opts.servers !== servers) diff.push(`${servers} server${servers === 1 ? "" : "s"}`);
    if (opts.clients !== undefined && opts.clients !== clients) diff.push(`${clients} client${clients === 1 ? "" : "s"}`);
    if (opts.provider !== undefined && opts.provider !== saved.provider) diff.push(`the ${saved.provider} provider`);
    if (opts.subnet !== undefined && !saved.nodes[0]?.address.startsWith(`${opts.subnet}.`)) diff.push(`addresses ${saved.nodes[0]?.address}…`);
    if (diff.length) {
      throw new InputError(`the lab at ${this.dir.root} was created with ${diff.join(', ')}: drop those options, or run destroy first, or use another --lab`);
    }
  }

  on(listener: (e: LabEvent) => void): () => void {
    return this.events.on(listener);
  }

  emit(e: LabEvent): void {
    this.events.emit(e);
  }

  node(name: string): NodeSpec {
    return findNode(this.spec, checkNodeName(name));
  }

  client(name: string): AgentClient {
    const n = this.node(name);
    return new AgentClient(n.name, httpAddr(n));
  }

  /**
   * Operations that change the lab run one at a time, in this process and across processes, and only on a lab:
   * up and configure make the folder one (`claim`), every other operation refuses a folder that is not.
   */
  private exclusive<T>(op: string, args: unknown, fn: () => Promise<T>, claim?: 'new' | 'configured'): Promise<T> {
    const run = async () => {
      let unlock = () => undefined as void;
      try {
        this.dir.refuseDangerous(op);
        if (claim) this.dir.claim(this.spec, claim);
        unlock = this.dir.lock(op);
        const result = await fn();
        this.emit({ type: 'action', op, args, ok: true, at: Date.now() });
        return result;
      } catch (err) {
        this.emit({ type: 'action', op, args, ok: false, error: (err as Error).message, at: Date.now() });
        throw err;
      } finally {
        unlock();
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private progress(op: string) {
    const started = Date.now();
    return (step: string, label: string, status: 'start' | 'done' | 'fail', message?: string) =>
      this.emit({ type: 'progress', op, step, label, status, message, elapsedMs: Date.now() - started, at: Date.now() });
  }

  private async step<T>(p: ReturnType<Lab['progress']>, def: StepDef | undefined, fn: () => Promise<T>): Promise<T> {
    const { step, label } = def!;
    p(step, label, 'start');
    try {
      const r = await fn();
      p(step, label, 'done', typeof r === 'string' ? r : undefined);
      return r;
    } catch (err) {
      p(step, label, 'fail', (err as Error).message);
      throw err;
    }
  }

  // ---- state ---------------------------------------------------------------------------------------

  async nodeState(n: NodeSpec): Promise<NodeState> {
    const proc = await this.provider.agentProcess(n);
    let apiUp = false;
    if (proc.process === 'running') {
      try {
        await new AgentClient(n.name, httpAddr(n)).get('/v1/status/leader', { timeoutMs: 1500 });
        apiUp = true;
      } catch {
        apiUp = false;
      }
    }
    const machine = this.provider.power?.machines(this.spec).find((m) => m.node === n.name) ?? null;
    return { name: n.name, role: n.role, address: n.address, httpAddr: httpAddr(n), process: proc.process, pid: proc.pid, apiUp, ui: proc.ui, machine };
  }

  /** The agent to ask about the cluster: the one named, else the first that answers (clients first, as in the tutorial). */
  private viewer(nodes: NodeState[], preferred?: string): NodeState | null {
    if (preferred) return nodes.find((n) => n.name === preferred && n.apiUp) ?? null;
    return nodes.find((n) => n.role === 'client' && n.apiUp) ?? nodes.find((n) => n.apiUp) ?? null;
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const nodes = await Promise.all(this.spec.nodes.map((n) => this.nodeState(n)));
    const view = this.viewer(nodes);
    let members: Member[] = [];
    let leader: string | null = null;
    let raft: ClusterSnapshot['raft'] = null;
    if (view) {
      const agent = this.client(view.name);
      try {
        members = await readMembers(agent);
        [leader, raft] = await Promise.all([readLeader(agent, members).catch(() => null), readRaft(agent, members)]);
      } catch {
        /* the viewer stopped answering between the two looks; the next refresh will tell */
      }
    }
    return {
      lab: this.spec,
      dir: this.dir.root,
      nodes,
      members,
      leader,
      raft,
      seenFrom: view?.name ?? null,
      greeters: await this.greeter.list(),
      created: this.dir.created(),
      at: Date.now(),
    };
  }

  async members(from?: string): Promise<{ seenFrom: string; members: Member[] }> {
    const nodes = await Promise.all(this.spec.nodes.map((n) => this.nodeState(n)));
    if (from) this.node(from);
    const view = this.viewer(nodes, from);
    if (!view) throw new Error(from ? `${from} is not answering: ${this.describe(nodes.find((n) => n.name === from)!)}` : 'no agent of the lab is running: run up first');
    return { seenFrom: view.name, members: await readMembers(this.client(view.name)) };
  }

  private describe(n: NodeState): string {
    return n.process === 'running' ? 'its HTTP API does not answer' : n.process;
  }

  private async requireRunning(name: string, verb: string): Promise<NodeSpec> {
    const n = this.node(name);
    const p = await this.provider.agentProcess(n);
    if (p.process === 'stopped') throw new InputError(`cannot ${verb} ${n.name}: its agent is not running (stopped); rejoin it first`);
    if (p.process === 'paused' && verb !== 'kill' && verb !== 'resume') {
      throw new InputError(`cannot ${verb} ${n.name}: its agent is paused; resume it first`);
    }
    return n;
  }

  /** Polls a local probe; the interval is short because each look is one loopback HTTP call. */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>, intervalMs = 25): Promise<T> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      try {
        const v = await probe();
        if (v) return v;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(intervalMs);
    }
    throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
  }

  private async waitApi(n: NodeSpec): Promise<void> {
    const agent = this.client(n.name);
    await this.waitFor(`${n.name}'s HTTP API at ${httpAddr(n)}`, TIMEOUTS.api, async () => {
      const p = await this.provider.agentProcess(n);
      if (p.process === 'stopped') throw new Error(`${n.name} ${this.provider.lastWords(n)}`);
      await agent.get('/v1/agent/self', { timeoutMs: 1000 });
      return true;
    }).catch((err: Error) => {
      throw new Error(`${n.name} did not come up: ${err.message}`);
    });
  }

  private async waitAlive(names: string[], from: NodeSpec): Promise<void> {
    await this.waitFor(`${names.join(', ')} to be alive`, TIMEOUTS.alive, async () => {
      const ms = await readMembers(this.client(from.name));
      return names.every((n) => ms.find((m) => m.name === n)?.status === 'alive');
    });
  }

  private async waitLeader(from: NodeSpec): Promise<string> {
    return this.waitFor('a leader to be elected', TIMEOUTS.leader, async () => {
      const agent = this.client(from.name);
      return readLeader(agent, await readMembers(agent));
    });
  }

  private async joinTo(n: NodeSpec, target: NodeSpec): Promise<void> {
    await this.client(n.name).put(`/v1/agent/join/${target.address}:${target.ports.serfLan}`, { timeoutMs: 10_000 });
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  async running(): Promise<NodeSpec[]> {
    const states = await Promise.all(this.spec.nodes.map(async (n) => [n, await this.provider.agentProcess(n)] as const));
    return states.filter(([, p]) => p.process !== 'stopped').map(([n]) => n);
  }

  up(): Promise<ClusterSnapshot> {
    return this.exclusive('up', {}, async () => {
      const p = this.progress('up');
      const steps = byStep(upSteps(this.spec));
      const servers = this.spec.nodes.filter((n) => n.role === 'server');
      const clients = this.spec.nodes.filter((n) => n.role === 'client');
      // Supervisors start while the checks run; they are called off again if the checks or the bring-up fail.
      this.provider.warmUp?.(this.spec.nodes);
      const started: NodeSpec[] = [];
      try {
        const live = await this.running();
        if (live.length) {
          throw new InputError(
            `the lab at ${this.dir.root} is already up (${live.map((n) => n.name).join(', ')} running): see status, or run down first`,
          );
        }
        await this.step(p, steps.preflight, () => this.provider.preflight(this.spec, this.spec.nodes));
        this.dir.mark('created', this.spec);
        await this.provider.startMachines(this.spec, p);
        const start = async (n: NodeSpec) => {
          await this.provider.startAgent(this.spec, n, { rejoin: false, ui: false });
          started.push(n);
          await this.waitApi(n);
        };
        await this.step(p, steps['start-servers'], () => Promise.all(servers.map(start)));
        const first = servers[0]!;
        await this.step(p, steps['join-servers'], async () => {
          for (const s of servers.slice(1)) await this.joinTo(first, s);
        });
        await this.step(p, steps['elect-leader'], () => this.waitLeader(first));
        if (clients.length) {
          await this.step(p, steps['start-clients'], () => Promise.all(clients.map(start)));
          await this.step(p, steps['join-clients'], () => Promise.all(clients.map((c) => this.joinTo(c, first))));
        }
        await this.step(p, steps['all-alive'], () => this.waitAlive(this.spec.nodes.map((n) => n.name), first));
      } catch (err) {
        // Nothing half-started is left behind; a first up that failed leaves no lab (nor its folder, if it made it).
        await Promise.all(started.map((n) => this.provider.stopAgent(n).catch(() => undefined)));
        await this.provider.cancelWarmUp?.();
        this.dir.dropIfUnborn();
        throw err;
      } finally {
        await this.provider.cancelWarmUp?.();
      }
      return this.snapshot();
    }, 'new');
  }

  async join(name: string, targetName?: string): Promise<ClusterSnapshot> {
    this.node(name);
    if (targetName !== undefined) this.node(targetName);
    return this.exclusive('join', { node: name, target: targetName }, async () => {
      const n = await this.requireRunning(name, 'join');
      let target: NodeSpec | undefined;
      if (targetName) target = await this.requireRunning(targetName, 'join to');
      else {
        const live = await this.running();
        target = live.find((s) => s.role === 'server' && s.name !== n.name) ?? live.find((s) => s.name !== n.name);
      }
      if (!target) throw new InputError(`${n.name} has no running node to join`);
      if (target.name === n.name) throw new InputError(`${n.name} cannot join itself: name another node`);
      await this.joinTo(n, target);
      return this.snapshot();
    });
  }

  async leave(name: string): Promise<ClusterSnapshot> {
    this.node(name);
    return this.exclusive('leave', { node: name }, async () => {
      const n = await this.requireRunning(name, 'leave');
      await this.client(n.name).put('/v1/agent/leave', { timeoutMs: TIMEOUTS.leave });
      await this.waitFor(`${n.name} to leave and stop`, TIMEOUTS.leave, async () => (await this.provider.agentProcess(n)).process === 'stopped').catch(
        () => this.provider.stopAgent(n),
      );
      return this.snapshot();
    });
  }

  /** Failure injection by signal, done once the agent's process shows the expected state. */
  private async signalled(n: NodeSpec, sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT', expect: ProcessState): Promise<ClusterSnapshot> {
    await this.provider.signalAgent(n, sig);
    await this.waitFor(`${n.name}'s agent to be ${expect}`, 5000, async () => (await this.provider.agentProcess(n)).process === expect);
    return this.snapshot();
  }

  async kill(name: string): Promise<ClusterSnapshot> {
    this.node(name);
    return this.exclusive('kill', { node: name }, async () => this.signalled(await this.requireRunning(name, 'kill'), 'SIGKILL', 'stopped'));
  }

  async pause(name: string): Promise<ClusterSnapshot> {
    this.node(name);
    return this.exclusive('pause', { node: name }, async () => this.signalled(await this.requireRunning(name, 'pause'), 'SIGSTOP', 'paused'));
  }

  async resume(name: string): Promise<ClusterSnapshot> {
    this.node(name);
    return this.exclusive('resume', { node: name }, async () => {
      const n = this.node(name);
      const p = await this.provider.agentProcess(n);
      if (p.process !== 'paused') throw new InputError(`cannot resume ${n.name}: it is ${p.process}, not paused`);
      return this.signalled(n, 'SIGCONT', 'running');
    });
  }

  async rejoin(name: string): Promise<ClusterSnapshot> {
    this.node(name);
    return this.exclusive('rejoin', { node: name }, async () => {
      const n = this.node(name);
      const p = await this.provider.agentProcess(n);
      if (p.process !== 'stopped') throw new InputError(`cannot rejoin ${n.name}: its agent is ${p.process}; kill it or make it leave first`);
      await this.provider.preflight(this.spec, [n]);
      const prog = this.progress('rejoin');
      const [start, alive] = rejoinSteps(n.name);
      await this.step(prog, start, async () => {
        await this.provider.startAgent(this.spec, n, { rejoin: true, ui: true });
        await this.waitApi(n);
      });
      await this.step(prog, alive, async () => {
        const others = (await this.running()).filter((o) => o.name !== n.name);
        const peer = others.find((o) => o.role === 'server') ?? others[0];
        if (!peer) return;
        try {
          await this.waitFor(`${n.name} to rejoin`, 8000, async () => (await readMembers(this.client(peer.name))).find((m) => m.name === n.name)?.status === 'alive');
        } catch {
          // -rejoin only knows the peers of its last session; an explicit join covers a fresh data dir.
          await this.joinTo(n, peer);
          await this.waitAlive([n.name], peer);
        }
      });
      return this.snapshot();
    });
  }

  /** Stops every agent and greeter of the lab, keeping data, and verifies through the process table that none is left. */
  down(): Promise<ClusterSnapshot> {
    return this.exclusive('down', {}, async () => {
      const p = this.progress('down');
      const steps = byStep(downSteps(this.spec));
      await this.step(p, steps.greeters, () => this.greeter.stopAll());
      const clients = this.spec.nodes.filter((n) => n.role === 'client');
      const servers = this.spec.nodes.filter((n) => n.role === 'server');
      await this.step(p, steps['stop-clients'], () => Promise.all(clients.map((n) => this.provider.stopAgent(n))));
      await this.step(p, steps['stop-servers'], () => Promise.all(servers.map((n) => this.provider.stopAgent(n))));
      await this.step(p, steps.strays, async () => {
        for (const s of this.provider.strays()) await terminate(s.pid, 3000);
      });
      await this.provider.stopMachines(this.spec, p);
      await this.step(p, steps.verify, async () => {
        // Supervisors leave on their own once their last agent has exited.
        const left = await this.waitFor('the lab\'s processes to end', 3000, async () => this.leftovers().length === 0).then(
          () => [],
          () => this.leftovers(),
        );
        if (left.length) throw new Error(`processes of the lab are still running: ${left.map((l) => `${l.pid} ${l.argv.join(' ')}`).join('; ')}`);
      });
      return this.snapshot();
    });
  }

  leftovers(): { pid: number; argv: string[] }[] {
    return this.dir.processes();
  }

  /**
   * Stops the lab and deletes what it made. Refused, before anything is stopped or deleted, for a folder without
   * Consul Lab's marker, for one that holds anything else, and for `/`, the home folder and above.
   */
  async destroy(): Promise<{ destroyed: string }> {
    if (!existsSync(this.dir.root)) return { destroyed: this.dir.root };
    const refusal = this.dir.destroyRefusal();
    if (refusal) throw new InputError(refusal);
    await this.down();
    return this.exclusive('destroy', {}, async () => {
      const p = this.progress('destroy');
      await this.provider.destroyMachines(this.spec, p);
      await this.step(p, byStep(destroySteps(this.spec)).remove, async () => this.dir.removeOwnEntries());
      return { destroyed: this.dir.root };
    });
  }

  // ---- machines (VMs) --------------------------------------------------------------------------------

  /** The lab's VMs as last seen; refused, with the reason, for a provider that has none. */
  machines(): MachineInfo[] {
    if (!this.provider.power) throw new InputError(NO_MACHINES);
    return this.provider.power.machines(this.spec);
  }

  /** The lab's VMs as Vagrant says now (status). */
  async machinesNow(): Promise<MachineInfo[]> {
    await this.provider.power?.refresh();
    return this.machines();
  }

  /** The machine named (n1) or the one a node (agent-one) runs in; refused for nodes on the host. */
  findMachine(name: string, action: VmAction | 'show'): MachineInfo {
    const all = this.machines();
    const m = all.find((x) => x.name === name || x.node === name);
    if (m) return m;
    const host = this.spec.nodes.find((n) => n.name === name || n.machine === name);
    if (host) throw new InputError(`${host.name} runs on the host, not in a VM: there is no machine to ${action}`);
    throw new InputError(`unknown machine "${name}": this lab's VMs are ${all.map((x) => `${x.name} (${x.node})`).join(', ')}`);
  }

  /**
   * `vagrant up|halt|reload|provision|destroy` on one VM, or on each in turn; the agents in them are left
   * stopped (rejoin them), as after a real power cycle.
   */
  async vm(action: VmAction, name?: string): Promise<ClusterSnapshot> {
    if (!(action in VM_ACTIONS)) throw new InputError(`unknown machine action "${action}": use ${Object.keys(VM_ACTIONS).join(', ')}`);
    if (action === 'destroy' && !name) throw new InputError('vm destroy needs the machine to destroy (for example n2): to remove the whole lab, run destroy');
    const targets = name ? [this.findMachine(name, action)] : this.machines();
    for (const m of targets) {
      if (action !== 'up' && !m.made) throw new InputError(`${m.name} was never created by this lab (Vagrant has no machine for it): nothing to ${action}`);
    }
    return this.exclusive('vm', { action, machine: name }, async () => {
      const p = this.progress('vm');
      for (const m of targets) await this.provider.power!.machineAction(this.spec, m.name, action, p);
      return this.snapshot();
    });
  }

  // ---- settings ------------------------------------------------------------------------------------

  /**
   * The same lab directory with other settings, while it has never been brought up (or was destroyed):
   * a spec is fixed from the first up, in lab.json, until destroy.
   */
  reconfigure(opts: SpecOptions, vagrant?: VagrantChoice): Promise<Lab> {
    return this.exclusive('configure', { ...opts, vagrant }, async () => {
      if (this.dir.created()) throw new InputError(MUST_DESTROY);
      const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
      const next = new Lab({ ...this.options, ...given, dir: this.dir.root });
      await this.provider.dropGeneratedVagrantfile?.(this.spec);
      if (vagrant) next.provider.choose?.(vagrant);
      this.dir.mark('configured', next.spec);
      return next;
    }, 'configured');
  }

  async vagrantfileGet(): Promise<{ path: string; text: string }> {
    if (!this.provider.readVagrantfile) throw new InputError(NO_VAGRANTFILE);
    this.dir.claim(this.spec, 'configured'); // the Vagrantfile is written into the lab's folder
    return { path: join(this.dir.root, 'Vagrantfile'), text: await this.provider.readVagrantfile(this.spec) };
  }

  async vagrantfilePut(text: string): Promise<{ path: string; text: string }> {
    if (!this.provider.saveVagrantfile) throw new InputError(NO_VAGRANTFILE);
    this.dir.claim(this.spec, 'configured');
    await this.provider.saveVagrantfile(text);
    this.emit({ type: 'action', op: 'vagrantfilePut', args: {}, ok: true, at: Date.now() });
    return this.vagrantfileGet();
  }

  // ---- KV ------------------------------------------------------------------------------------------

  private readonly kv = new LabKv({
    /** The agent named, else a running client, else a running server. */
    agent: async (name) => {
      if (name) return this.client((await this.requireRunning(name, 'use')).name);
      const live = await this.running();
      const n = live.find((x) => x.role === 'client') ?? live[0];
      if (!n) throw new Error('no agent of the lab is running: run up first');
      return this.client(n.name);
    },
    emit: (e) => this.emit(e),
    down: async () => {
      const states = await Promise.all(this.spec.nodes.map(async (n) => [n.name, (await this.provider.agentProcess(n)).process] as const));
      return states.filter(([, p]) => p !== 'running').map(([name]) => name);
    },
  });

  kvPut(key: string, value: string | Uint8Array, node?: string): Promise<KvResult> {
    return this.kv.put(key, value, node);
  }

  kvGet(key: string, node?: string): Promise<KvResult> {
    return this.kv.get(key, node);
  }

  kvDelete(key: string, node?: string): Promise<KvResult> {
    return this.kv.delete(key, node);
  }

  kvList(prefix?: string, node?: string): Promise<{ servedBy: string; entries: KvEntry[] }> {
    return this.kv.list(prefix, node);
  }
}

function byStep(steps: StepDef[]): Record<string, StepDef> {
  return Object.fromEntries(steps.map((s) => [s.step, s]));
}
