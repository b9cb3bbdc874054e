/** Each agent's own view of the members, side by side; rows where the agents disagree stand out. */
import { viewsMatrix } from '../../main/common/views-matrix.js';
import { useLab } from '../store.js';
import { StatusPill } from './common.js';

export function ViewsMatrix() {
  const views = useLab((s) => s.snapshot?.views);
  if (!views?.length) return null;
  const { agents, rows } = viewsMatrix(views);
  const differing = rows.filter((r) => r.differs).length;
  return (
    <div className="views-matrix">
      <div className="muted small-text">
        Each agent's own view{' '}
        {differing
          ? `— the agents disagree on ${differing} member${differing === 1 ? '' : 's'}: gossip has not reached all of them yet`
          : '— all agree'}
      </div>
      <table className="table" aria-label="Each agent's view">
        <thead>
          <tr>
            <th>Member</th>
            {agents.map((a) => (
              <th key={a.name} title={a.answered ? `as ${a.name} sees it` : `${a.name} did not answer`}>
                {a.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.member}
              className={r.differs ? 'differs' : undefined}
              aria-description={r.differs ? 'the agents disagree' : undefined}
            >
              <td>{r.member}</td>
              {r.cells.map((c, i) => (
                <td key={agents[i]!.name}>
                  {c ? <StatusPill status={c} /> : <span className="muted">{agents[i]!.answered ? 'unknown' : '—'}</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
