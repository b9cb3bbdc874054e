/** What happened, in order: member changes, leader changes, Greeter health, the user's own actions; and each node's status over time. */
import { useMemo } from 'react';
import type { NodeStatus } from '../../main/common/node-status.js';
import { useLab } from '../store.js';
import { Section, clock } from './common.js';

const COLORS: Record<NodeStatus, string> = {
  alive: 'var(--alive)',
  failed: 'var(--failed)',
  left: 'var(--left)',
  leaving: 'var(--leaving)',
  starting: 'var(--leaving)',
  paused: 'var(--paused)',
  stopped: 'var(--down)',
};
const LEGEND: NodeStatus[] = ['alive', 'leaving', 'left', 'failed', 'paused', 'stopped'];

export function TimelinePanel() {
  const timeline = useLab((s) => s.timeline);
  const items = useMemo(() => timeline.slice(-150).reverse(), [timeline]);
  return (
    <Section id="timeline" title="Timeline">
      <StatusChart />
      <ol className="timeline" aria-label="Events">
        {items.map((t) => (
          <li key={t.seq} className={`tl tl-${t.tone} tl-${t.kind}`}>
            <time className="mono muted">{clock(t.at)}</time>
            <span className="tl-kind">{t.kind}</span>
            <span>{t.text}</span>
          </li>
        ))}
        {!items.length && <li className="muted">Nothing yet: bring the lab up, or break something.</li>}
      </ol>
    </Section>
  );
}

function StatusChart() {
  const history = useLab((s) => s.history);
  const rows = useMemo(() => {
    if (history.length < 1) return null;
    const names = new Set<string>();
    for (const h of history) for (const n of Object.keys(h.statuses)) names.add(n);
    const t0 = history[0]!.at;
    const t1 = Math.max(history.at(-1)!.at, t0 + 1000);
    const lanes = [...names].sort().map((name) => {
      const segs: { from: number; to: number; status: NodeStatus }[] = [];
      for (let i = 0; i < history.length; i++) {
        const h = history[i]!;
        const status = h.statuses[name] ?? 'stopped';
        const to = history[i + 1]?.at ?? t1;
        const last = segs.at(-1);
        if (last && last.status === status) last.to = to;
        else segs.push({ from: h.at, to, status });
      }
      return { name, segs };
    });
    return { lanes, t0, t1 };
  }, [history]);
  if (!rows) return null;
  const W = 600;
  const LANE = 16;
  const LABEL = 100;
  const H = rows.lanes.length * (LANE + 4);
  const x = (t: number) => LABEL + ((t - rows.t0) / (rows.t1 - rows.t0)) * (W - LABEL);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Node status over time" preserveAspectRatio="none">
        {rows.lanes.map((l, i) => (
          <g key={l.name} transform={`translate(0 ${i * (LANE + 4)})`}>
            <text x={0} y={LANE - 4} className="chart-label">
              {l.name}
            </text>
            {l.segs.map((s) => (
              <rect
                key={`${s.from}-${s.status}`}
                x={x(s.from)}
                y={0}
                width={Math.max(1, x(s.to) - x(s.from))}
                height={LANE}
                fill={COLORS[s.status]}
              >
                <title>{`${l.name}: ${s.status} ${clock(s.from)}–${clock(s.to)}`}</title>
              </rect>
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        {LEGEND.map((s) => (
          <span key={s}>
            <i style={{ background: COLORS[s] }} /> {s}
          </span>
        ))}
        <span className="muted">
          {clock(rows.t0)} – {clock(rows.t1)}
        </span>
      </figcaption>
    </figure>
  );
}
