/** consul-lab members: `consul members` as one agent sees it, or (--views) as each running agent sees it. */
import { viewsMatrix } from '../common/views-matrix.js';
import type { Lab } from '../engine/lab.js';
import { out, strFlag, type Parsed } from './args.js';
import { table } from './format.js';

export async function membersCommand(lab: Lab, p: Parsed): Promise<number> {
  if (p.flags.has('views')) {
    const { views } = await lab.snapshot();
    const { agents, rows } = viewsMatrix(views);
    out(p, views, () =>
      table([
        ['Member', ...agents.map((a) => (a.answered ? a.name : `${a.name} (no answer)`)), ''],
        ...rows.map((r) => [r.member, ...r.cells.map((c) => c ?? '-'), r.differs ? '<- the agents disagree' : '']),
      ]),
    );
    return 0;
  }
  const r = await lab.members(strFlag(p, 'from'));
  out(p, r, () =>
    [
      `members as ${r.seenFrom} sees them:`,
      table([
        ['Node', 'Address', 'Status', 'Type', 'Build', 'DC'],
        ...r.members.map((m) => [m.name, `${m.address}:${m.port}`, m.status, m.role, m.build, m.dc]),
      ]),
    ].join('\n'),
  );
  return 0;
}
