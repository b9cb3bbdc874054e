/**
 * A node's status in one word, derived once for the window and the CLI. While its agent runs: Consul's word for
 * the member, as the snapshot's agent sees it (alive once the API answers, if no member list shows it yet). While
 * it is paused or stopped: that, until Consul notices (failed, or left after a leave).
 */
import type { ClusterSnapshot, Member, MemberStatus, NodeState } from './types.js';

export type NodeStatus = Exclude<MemberStatus, 'none'> | 'paused' | 'stopped' | 'starting';

export function nodeStatus(node: Pick<NodeState, 'process' | 'apiUp'>, member: Pick<Member, 'status'> | undefined): NodeStatus {
  const seen = member && member.status !== 'none' ? member.status : null;
  if (node.process === 'running') return seen ?? (node.apiUp ? 'alive' : 'starting');
  return seen && seen !== 'alive' ? seen : node.process;
}

/** Every node's status in the snapshot, by node name. */
export function nodeStatuses(s: Pick<ClusterSnapshot, 'nodes' | 'members'>): Record<string, NodeStatus> {
  return Object.fromEntries(
    s.nodes.map((n) => [
      n.name,
      nodeStatus(
        n,
        s.members.find((m) => m.name === n.name),
      ),
    ]),
  );
}
