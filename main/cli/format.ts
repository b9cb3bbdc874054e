/** Human-readable status: the `consul members` table, the leader and what the raft quorum tolerates. */
import type { ClusterSnapshot } from '../common/types.js';

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function renderStatus(s: ClusterSnapshot): string {
  const lines: string[] = [`lab ${s.dir} (${s.lab.provider}, ${s.lab.nodes.length} nodes)`];
  if (s.members.length) {
    lines.push(`members seen from ${s.seenFrom}:`);
    lines.push(
      table([
        ['Node', 'Address', 'Status', 'Type', 'Build', 'DC'],
        ...s.members.map((m) => [m.name + (m.name === s.leader ? ' (leader)' : ''), `${m.address}:${m.port}`, m.status, m.role, m.build, m.dc]),
      ]),
    );
  } else lines.push('no agent answers: the lab is down');
  lines.push(`leader: ${s.leader ?? 'none'}`);
  if (s.raft) {
    const r = s.raft;
    lines.push(`raft: ${r.aliveVoters}/${r.voters.length} voters alive, quorum ${r.quorum}, ${r.tolerates >= 0 ? `tolerates ${r.tolerates} more failure${r.tolerates === 1 ? '' : 's'}` : 'QUORUM LOST'}`);
  }
  const stopped = s.nodes.filter((n) => n.process !== 'running');
  if (stopped.length && s.members.length) lines.push(`processes: ${stopped.map((n) => `${n.name} ${n.process}`).join(', ')}`);
  return lines.join('\n');
}
