/** The lab as it is now: each node's process and API, and the cluster as the first agent that answers sees it. */
import type { ClusterSnapshot, GreeterInstance, Member, NodeSpec, NodeState } from '../../common/types.js';
import { readLeader, readMembers, readRaft } from '../cluster/members.js';
import { AgentClient } from '../consul/http.js';
import type { LabCore } from './core.js';
import { httpAddr } from './spec.js';

export class Snapshots {
  constructor(
    private readonly lab: LabCore,
    private readonly greeters: () => Promise<GreeterInstance[]>,
  ) {}

  async nodeState(n: NodeSpec): Promise<NodeState> {
    const proc = await this.lab.provider.agentProcess(n);
    let apiUp = false;
    if (proc.process === 'running') {
      try {
        await new AgentClient(n.name, httpAddr(n)).get('/v1/status/leader', { timeoutMs: 1500 });
        apiUp = true;
      } catch {
        apiUp = false;
      }
    }
    const machine = this.lab.provider.power?.machines(this.lab.spec).find((m) => m.node === n.name) ?? null;
    return { name: n.name, role: n.role, address: n.address, httpAddr: httpAddr(n), process: proc.process, pid: proc.pid, apiUp, ui: proc.ui, machine };
  }

  /** The agent to ask about the cluster: the one named, else the first that answers (clients first, as in the tutorial). */
  private viewer(nodes: NodeState[], preferred?: string): NodeState | null {
    if (preferred) return nodes.find((n) => n.name === preferred && n.apiUp) ?? null;
    return nodes.find((n) => n.role === 'client' && n.apiUp) ?? nodes.find((n) => n.apiUp) ?? null;
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const nodes = await Promise.all(this.lab.spec.nodes.map((n) => this.nodeState(n)));
    const view = this.viewer(nodes);
    let members: Member[] = [];
    let leader: string | null = null;
    let raft: ClusterSnapshot['raft'] = null;
    if (view) {
      const agent = this.lab.client(view.name);
      try {
        members = await readMembers(agent);
        [leader, raft] = await Promise.all([readLeader(agent, members).catch(() => null), readRaft(agent, members)]);
      } catch {
        /* the viewer stopped answering between the two looks; the next refresh will tell */
      }
    }
    return {
      lab: this.lab.spec,
      dir: this.lab.dir.root,
      nodes,
      members,
      leader,
      raft,
      seenFrom: view?.name ?? null,
      greeters: await this.greeters(),
      created: this.lab.dir.created(),
      at: Date.now(),
    };
  }

  async members(from?: string): Promise<{ seenFrom: string; members: Member[] }> {
    const nodes = await Promise.all(this.lab.spec.nodes.map((n) => this.nodeState(n)));
    if (from) this.lab.node(from);
    const view = this.viewer(nodes, from);
    if (!view) throw new Error(from ? `${from} is not answering: ${this.describe(nodes.find((n) => n.name === from)!)}` : 'no agent of the lab is running: run up first');
    return { seenFrom: view.name, members: await readMembers(this.lab.client(view.name)) };
  }

  private describe(n: NodeState): string {
    return n.process === 'running' ? 'its HTTP API does not answer' : n.process;
  }
}
