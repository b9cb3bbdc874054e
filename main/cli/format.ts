/** Human-readable status: each node's status, the `consul members` table, the leader and what the raft quorum tolerates. */
import { NO_AGENT } from '../common/contract.js';
import { nodeStatuses } from '../common/node-status.js';
import type { ClusterSnapshot } from '../common/types.js';

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function renderStatus(s: ClusterSnapshot): string {
  const lines: string[] = [`lab ${s.dir} (${s.lab.provider}, ${s.lab.nodes.length} nodes)`];
  const status = nodeStatuses(s);
  lines.push(
    table([
      ['Node', 'Status', 'Agent', 'HTTP'],
      ...s.nodes.map((n) => [n.name, status[n.name]!, n.pid ? `${n.process} (pid ${n.pid})` : n.process, n.httpAddr]),
    ]),
  );
  if (s.members.length) {
    lines.push(`members seen from ${s.seenFrom}:`);
    lines.push(
      table([
        ['Node', 'Address', 'Status', 'Type', 'Build', 'DC'],
        ...s.members.map((m) => {
          const name = m.name + (m.name === s.leader ? ' (leader)' : '');
          return [name, `${m.address}:${m.port}`, m.status, m.role, m.build, m.dc];
        }),
      ]),
    );
  } else lines.push(NO_AGENT);
  lines.push(`leader: ${s.leader ?? 'none'}`);
  if (s.raft) {
    const r = s.raft;
    const tolerates = r.tolerates >= 0 ? `tolerates ${r.tolerates} more failure${r.tolerates === 1 ? '' : 's'}` : 'QUORUM LOST';
    lines.push(`raft: ${r.aliveVoters}/${r.voters.length} voters alive, quorum ${r.quorum}, ${tolerates}`);
  }
  return lines.join('\n');
}
