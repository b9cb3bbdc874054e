/** The lab as it is now: each node's process and API, and the cluster as the first agent that answers sees it. */
import type { ClusterSnapshot, GreeterInstance, Member, NodeSpec, NodeState } from '../../common/types.js';
import { readLeader, readMembers, readRaft } from '../cluster/members.js';
import { AgentClient } from '../consul/http.js';
import type { LabCore } from './core.js';
import { servingAgent, servingOrder } from './serving.js';
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
    const { process, pid, ui } = proc;
    return { name: n.name, role: n.role, address: n.address, httpAddr: httpAddr(n), process, pid, apiUp, ui, machine };
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const nodes = await Promise.all(this.lab.spec.nodes.map((n) => this.nodeState(n)));
    const view = servingOrder(nodes)[0];
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
    if (from !== undefined) this.lab.node(from);
    const view = servingAgent(await Promise.all(this.lab.spec.nodes.map((n) => this.nodeState(n))), from);
    return { seenFrom: view.name, members: await readMembers(this.lab.client(view.name)) };
  }
}
