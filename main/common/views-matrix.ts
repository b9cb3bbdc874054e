/**
 * The members as each agent sees them, side by side: a row per member, a column per agent that answered (or
 * not), and whether the agents agree on that member. The CLI's `members --views` and the window's matrix.
 */
import type { ClusterSnapshot, MemberStatus } from './types.js';

export interface ViewsMatrix {
  agents: { name: string; answered: boolean }[];
  rows: { member: string; cells: (MemberStatus | null)[]; differs: boolean }[];
}

export function viewsMatrix(views: ClusterSnapshot['views']): ViewsMatrix {
  const names = [...new Set(views.flatMap((v) => v.members?.map((m) => m.name) ?? []))].sort();
  const rows = names.map((member) => {
    const cells = views.map((v) => (v.members ? (v.members.find((m) => m.name === member)?.status ?? null) : null));
    const heard = views.map((v, i) => (v.members ? (cells[i] ?? 'none') : null)).filter((c) => c !== null);
    return { member, cells, differs: new Set(heard).size > 1 };
  });
  return { agents: views.map((v) => ({ name: v.agent, answered: v.members !== null })), rows };
}
