/**
 * The tutorial's life cycle on real agents: up (machines, servers, join, leader, clients), join, leave, the
 * failures (kill, pause, resume), rejoin with -rejoin -ui, down and destroy.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../../common/names.js';
import { destroySteps, downSteps, rejoinSteps, upSteps } from '../../common/steps.js';
import type { ClusterSnapshot, NodeSpec, ProcessState } from '../../common/types.js';
import { readLeader, readMembers } from '../cluster/members.js';
import { terminate } from '../process/procs.js';
import { waitFor } from '../wait.js';
import { byStep, type LabCore } from './core.js';
import { httpAddr } from './spec.js';

export const TIMEOUTS = { api: 20_000, leader: 30_000, alive: 30_000, leave: 15_000 };

export class Lifecycle {
  constructor(
    private readonly lab: LabCore,
    private readonly snapshot: () => Promise<ClusterSnapshot>,
    private readonly greeters: { stopAll(): Promise<void> },
  ) {}

  private async waitApi(n: NodeSpec): Promise<void> {
    const agent = this.lab.client(n.name);
    await waitFor(`${n.name}'s HTTP API at ${httpAddr(n)}`, TIMEOUTS.api, async () => {
      const p = await this.lab.provider.agentProcess(n);
      if (p.process === 'stopped') throw new Error(`${n.name} ${this.lab.provider.lastWords(n)}`);
      await agent.get('/v1/agent/self', { timeoutMs: 1000 });
      return true;
    }).catch((err: Error) => {
      throw new Error(`${n.name} did not come up: ${err.message}`);
    });
  }

  private async waitAlive(names: string[], from: NodeSpec): Promise<void> {
    await waitFor(`${names.join(', ')} to be alive`, TIMEOUTS.alive, async () => {
      const ms = await readMembers(this.lab.client(from.name));
      return names.every((n) => ms.find((m) => m.name === n)?.status === 'alive');
    });
  }

  private async waitLeader(from: NodeSpec): Promise<string> {
    return waitFor('a leader to be elected', TIMEOUTS.leader, async () => {
      const agent = this.lab.client(from.name);
      return readLeader(agent, await readMembers(agent));
    });
  }

  private async joinTo(n: NodeSpec, target: NodeSpec): Promise<void> {
    await this.lab.client(n.name).put(`/v1/agent/join/${target.address}:${target.ports.serfLan}`, { timeoutMs: 10_000 });
  }

  up(): Promise<ClusterSnapshot> {
    return this.lab.exclusive(
      'up',
      {},
      async () => {
        const p = this.lab.progress('up');
        const steps = byStep(upSteps(this.lab.spec));
        const servers = this.lab.spec.nodes.filter((n) => n.role === 'server');
        const clients = this.lab.spec.nodes.filter((n) => n.role === 'client');
        // Supervisors start while the checks run; they are called off again if the checks or the bring-up fail.
        this.lab.provider.warmUp(this.lab.spec.nodes);
        const started: NodeSpec[] = [];
        try {
          const live = await this.lab.running();
          if (live.length) {
            throw new InputError(
              `the lab at ${this.lab.dir.root} is already up (${live.map((n) => n.name).join(', ')} running): ` +
                'see status, or run down first',
            );
          }
          await this.lab.step(p, steps.preflight, () => this.lab.provider.preflight(this.lab.spec, this.lab.spec.nodes));
          this.lab.dir.mark('created', this.lab.spec);
          await this.lab.provider.startMachines(this.lab.spec, p);
          const start = async (n: NodeSpec) => {
            await this.lab.provider.startAgent(this.lab.spec, n, { rejoin: false, ui: false });
            started.push(n);
            await this.waitApi(n);
          };
          await this.lab.step(p, steps['start-servers'], () => Promise.all(servers.map(start)));
          const first = servers[0]!;
          await this.lab.step(p, steps['join-servers'], async () => {
            for (const s of servers.slice(1)) await this.joinTo(first, s);
          });
          await this.lab.step(p, steps['elect-leader'], () => this.waitLeader(first));
          if (clients.length) {
            await this.lab.step(p, steps['start-clients'], () => Promise.all(clients.map(start)));
            await this.lab.step(p, steps['join-clients'], () => Promise.all(clients.map((c) => this.joinTo(c, first))));
          }
          await this.lab.step(p, steps['all-alive'], () =>
            this.waitAlive(
              this.lab.spec.nodes.map((n) => n.name),
              first,
            ),
          );
        } catch (err) {
          // Nothing half-started is left behind; a first up that failed leaves no lab (nor its folder, if it made it).
          await Promise.all(started.map((n) => this.lab.provider.stopAgent(n).catch(() => undefined)));
          await this.lab.provider.cancelWarmUp();
          this.lab.dir.dropIfUnborn();
          throw err;
        }
        await this.lab.provider.cancelWarmUp();
        return this.snapshot();
      },
      'new',
    );
  }

  async join(name: string, targetName?: string): Promise<ClusterSnapshot> {
    this.lab.node(name);
    if (targetName !== undefined) this.lab.node(targetName);
    return this.lab.exclusive('join', { node: name, target: targetName }, async () => {
      const n = await this.lab.requireRunning(name, 'join');
      let target: NodeSpec | undefined;
      if (targetName) target = await this.lab.requireRunning(targetName, 'join to');
      else {
        const live = await this.lab.running();
        target = live.find((s) => s.role === 'server' && s.name !== n.name) ?? live.find((s) => s.name !== n.name);
      }
      if (!target) throw new InputError(`${n.name} has no running node to join`);
      if (target.name === n.name) throw new InputError(`${n.name} cannot join itself: name another node`);
      await this.joinTo(n, target);
      return this.snapshot();
    });
  }

  async leave(name: string): Promise<ClusterSnapshot> {
    this.lab.node(name);
    return this.lab.exclusive('leave', { node: name }, async () => {
      const n = await this.lab.requireRunning(name, 'leave');
      await this.lab.client(n.name).put('/v1/agent/leave', { timeoutMs: TIMEOUTS.leave });
      await waitFor(
        `${n.name} to leave and stop`,
        TIMEOUTS.leave,
        async () => (await this.lab.provider.agentProcess(n)).process === 'stopped',
      ).catch(() => this.lab.provider.stopAgent(n));
      return this.snapshot();
    });
  }

  /** Failure injection by signal, done once the agent's process shows the expected state. */
  private async signalled(n: NodeSpec, sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT', expect: ProcessState): Promise<ClusterSnapshot> {
    await this.lab.provider.signalAgent(n, sig);
    await waitFor(`${n.name}'s agent to be ${expect}`, 5000, async () => (await this.lab.provider.agentProcess(n)).process === expect);
    return this.snapshot();
  }

  async kill(name: string): Promise<ClusterSnapshot> {
    this.lab.node(name);
    return this.lab.exclusive('kill', { node: name }, async () =>
      this.signalled(await this.lab.requireRunning(name, 'kill'), 'SIGKILL', 'stopped'),
    );
  }

  async pause(name: string): Promise<ClusterSnapshot> {
    this.lab.node(name);
    return this.lab.exclusive('pause', { node: name }, async () =>
      this.signalled(await this.lab.requireRunning(name, 'pause'), 'SIGSTOP', 'paused'),
    );
  }

  async resume(name: string): Promise<ClusterSnapshot> {
    this.lab.node(name);
    return this.lab.exclusive('resume', { node: name }, async () => {
      const n = this.lab.node(name);
      const p = await this.lab.provider.agentProcess(n);
      if (p.process !== 'paused') throw new InputError(`cannot resume ${n.name}: it is ${p.process}, not paused`);
      return this.signalled(n, 'SIGCONT', 'running');
    });
  }

  async rejoin(name: string): Promise<ClusterSnapshot> {
    this.lab.node(name);
    return this.lab.exclusive('rejoin', { node: name }, async () => {
      const n = this.lab.node(name);
      const p = await this.lab.provider.agentProcess(n);
      if (p.process !== 'stopped')
        throw new InputError(`cannot rejoin ${n.name}: its agent is ${p.process}; kill it or make it leave first`);
      await this.lab.provider.preflight(this.lab.spec, [n]);
      const prog = this.lab.progress('rejoin');
      const [start, alive] = rejoinSteps(n.name);
      await this.lab.step(prog, start, async () => {
        await this.lab.provider.startAgent(this.lab.spec, n, { rejoin: true, ui: true });
        await this.waitApi(n);
      });
      await this.lab.step(prog, alive, async () => {
        const others = (await this.lab.running()).filter((o) => o.name !== n.name);
        const peer = others.find((o) => o.role === 'server') ?? others[0];
        if (!peer) return;
        try {
          await waitFor(
            `${n.name} to rejoin`,
            8000,
            async () => (await readMembers(this.lab.client(peer.name))).find((m) => m.name === n.name)?.status === 'alive',
          );
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
    return this.lab.exclusive('down', {}, async () => {
      const p = this.lab.progress('down');
      const steps = byStep(downSteps(this.lab.spec));
      await this.lab.step(p, steps.greeters, () => this.greeters.stopAll());
      const clients = this.lab.spec.nodes.filter((n) => n.role === 'client');
      const servers = this.lab.spec.nodes.filter((n) => n.role === 'server');
      await this.lab.step(p, steps['stop-clients'], () => Promise.all(clients.map((n) => this.lab.provider.stopAgent(n))));
      await this.lab.step(p, steps['stop-servers'], () => Promise.all(servers.map((n) => this.lab.provider.stopAgent(n))));
      await this.lab.step(p, steps.strays, async () => {
        for (const s of this.lab.provider.strays()) await terminate(s.pid, 3000);
      });
      await this.lab.provider.stopMachines(this.lab.spec, p);
      await this.lab.step(p, steps.verify, async () => {
        // Supervisors leave on their own once their last agent has exited.
        const left = await waitFor("the lab's processes to end", 3000, async () => this.lab.dir.processes().length === 0).then(
          () => [],
          () => this.lab.dir.processes(),
        );
        if (left.length)
          throw new Error(`processes of the lab are still running: ${left.map((l) => `${l.pid} ${l.argv.join(' ')}`).join('; ')}`);
      });
      return this.snapshot();
    });
  }

  /**
   * Stops the lab and deletes what it made. Refused, before anything is stopped or deleted, for a folder without
   * Consul Lab's marker, for one that holds anything else, and for `/`, the home folder and above.
   */
  async destroy(): Promise<{ destroyed: string }> {
    if (!existsSync(this.lab.dir.root)) return { destroyed: this.lab.dir.root };
    const refusal = this.lab.dir.destroyRefusal();
    if (refusal) throw new InputError(refusal);
    await this.down();
    return this.lab.exclusive('destroy', {}, async () => {
      const p = this.lab.progress('destroy');
      await this.lab.provider.destroyMachines(this.lab.spec, p);
      await this.lab.step(p, byStep(destroySteps(this.lab.spec)).remove, async () => this.lab.dir.removeOwnEntries());
      return { destroyed: this.lab.dir.root };
    });
  }
}
