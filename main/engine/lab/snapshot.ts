/**
 * The lab as it is now: each node's process, whether its API answers and, for a server, its raft state; the
 * members as the first agent that answers sees them. Only local agent endpoints are asked, all at once and with
 * short timeouts, so that a picture takes well under half a second in any state (no leader, a paused agent).
 */
import type { ClusterSnapshot, GreeterInstance, Member, NodeSpec, NodeState } from '../../common/types.js';
import { raftHealth, readMembers } from '../cluster/members.js';
import { parseRaft } from '../cluster/raft.js';
import { readViews } from '../cluster/views.js';
import { AgentClient } from '../consul/http.js';
import type { LabCore } from './core.js';
import { servingAgent, servingOrder } from './serving.js';
import { httpAddr } from './spec.js';

/** Local endpoints answer in milliseconds; an agent slower than this is paused or dying. */
const LOCAL_TIMEOUT_MS = 300;
const MEMBERS_TIMEOUT_MS = 500;

interface Self {
  Stats?: { raft?: Record<string, string> };
}

export class Snapshots {
  constructor(
    private readonly lab: LabCore,
    private readonly greeter: { list(): Promise<GreeterInstance[]>; unavailable(): string | undefined },
  ) {}

  async nodeState(n: NodeSpec): Promise<NodeState> {
    const proc = await this.lab.provider.agentProcess(n);
    let self: Self | null = null;
    if (proc.process === 'running') {
      self = await new AgentClient(n.name, httpAddr(n)).get<Self>('/v1/agent/self', { timeoutMs: LOCAL_TIMEOUT_MS }).catch(() => null);
    }
    const raftStats = n.role === 'server' ? self?.Stats?.raft : undefined;
    const machine = this.lab.provider.power?.machines(this.lab.spec).find((m) => m.node === n.name) ?? null;
    const { process, pid, ui } = proc;
    const raft = raftStats ? parseRaft(raftStats) : null;
    return { name: n.name, role: n.role, address: n.address, httpAddr: httpAddr(n), process, pid, apiUp: !!self, ui, machine, raft };
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const nodes = await Promise.all(this.lab.spec.nodes.map((n) => this.nodeState(n)));
    const serving = servingOrder(nodes);
    const agents = nodes.filter((n) => n.apiUp).map((n) => this.lab.client(n.name));
    const views = await readViews(agents, MEMBERS_TIMEOUT_MS);
    // The first serving agent that answered this look; the next refresh tells if one stopped in between.
    const view = serving.find((n) => views.find((v) => v.agent === n.name)?.members) ?? serving[0];
    const members = views.find((v) => v.agent === view?.name)?.members ?? [];
    const { leader, raft } = this.raftOf(nodes, members);
    return {
      lab: this.lab.spec,
      dir: this.lab.dir.root,
      nodes,
      members,
      leader,
      raft,
      seenFrom: view?.name ?? null,
      views: views.map((v) => ({ agent: v.agent, members: v.members?.map((m) => ({ name: m.name, status: m.status })) ?? null })),
      greeters: await this.greeter.list(),
      greeterUnavailable: this.greeter.unavailable(),
      created: this.lab.dir.created(),
      at: Date.now(),
    };
  }

  /**
   * The leader is the server that is one in the highest term any server reports (a leader cut off from the
   * others may not know yet that it was replaced); the voters are those of that server's configuration.
   */
  private raftOf(nodes: NodeState[], members: Member[]): Pick<ClusterSnapshot, 'leader' | 'raft'> {
    const servers = nodes.filter((n) => n.raft);
    if (!servers.length) return { leader: null, raft: null };
    const term = Math.max(...servers.map((n) => n.raft!.term));
    const leader = servers.find((n) => n.raft!.state === 'Leader' && n.raft!.term === term) ?? null;
    const source = leader ?? servers.find((n) => n.raft!.term === term)!;
    const byRaftAddress = new Map(this.lab.spec.nodes.map((n) => [`${n.address}:${n.ports.server}`, n.name]));
    const voters = source.raft!.voters.map((a) => byRaftAddress.get(a) ?? a);
    return { leader: leader?.name ?? null, raft: raftHealth(voters, members) };
  }

  async members(from?: string): Promise<{ seenFrom: string; members: Member[] }> {
    if (from !== undefined) this.lab.node(from);
    const view = servingAgent(await Promise.all(this.lab.spec.nodes.map((n) => this.nodeState(n))), from);
    return { seenFrom: view.name, members: await readMembers(this.lab.client(view.name)) };
  }
}
