/** The Greeter service: instances per node (start, stop, kill), calls with a name and a count, and who answered. */
import { useMemo, useState } from 'react';
import type { GreeterCall, GreeterInstance } from '../../main/common/types.js';
import { run } from '../bus.js';
import { useBusy, useLab } from '../store.js';
import { updatePrefs, usePrefs } from '../prefs.js';
import { ActionButton, NodeSelect, Section, StatusPill } from './common.js';

const NO_GREETERS: GreeterInstance[] = [];
const PALETTE = ['#4f8cff', '#3fb950', '#e3b341', '#f778ba', '#a371f7', '#39c5cf', '#ff7b72'];

export function GreeterPanel() {
  const nodes = useLab((s) => s.snapshot?.nodes);
  const greeters = useLab((s) => s.snapshot?.greeters) ?? NO_GREETERS;
  const via = usePrefs((p) => p.greeterVia);
  const [name, setName] = useState('Consul');
  const [count, setCount] = useState(10);
  const [results, setResults] = useState<GreeterCall[]>([]);
  const busy = useBusy('greeterCall');

  const call = async () => {
    setResults([]);
    const r = await run('greeterCall', (api) => api.greeterCall({ name, count, via: via || undefined }));
    if (r.ok && r.value) setResults(r.value);
  };
  const perInstance = useMemo(() => {
    const m = new Map<string, number>();
    for (const c of results) {
      const k = c.ok ? `${c.instance ?? '?'}${c.node ? ` on ${c.node}` : ''}` : 'failed';
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return [...m.entries()];
  }, [results]);

  return (
    <Section id="greeter" title="Greeter">
      <div className="greeter-nodes">
        {nodes?.map((n) => {
          const mine = greeters.filter((g) => g.node === n.name);
          return (
            <div key={n.name} className="greeter-node" role="group" aria-label={`Greeter on ${n.name}`}>
              <div className="greeter-node-head">
                <strong>{n.name}</strong>
                <ActionButton label="Start" small busyKey={`gstart:${n.name}`} disabled={n.process !== 'running'} title={`Start a Greeter instance on ${n.name}`} call={(api) => api.greeterStart({ node: n.name })} />
              </div>
              {mine.length === 0 && <div className="muted small-text">no instance</div>}
              {mine.map((g) => (
                <div key={g.id} className="greeter-inst" role="group" aria-label={g.id}>
                  <span className="mono">{g.id}</span>
                  <span className="muted mono">
                    {g.address}:{g.port}
                  </span>
                  <StatusPill status={g.process === 'stopped' ? 'stopped' : g.health} />
                  <span className="spacer" />
                  {g.process === 'running' ? (
                    <>
                      <ActionButton label="Stop" small busyKey={`gstop:${g.id}`} call={(api) => api.greeterStop({ id: g.id })} />
                      <ActionButton label="Kill" small tone="danger" busyKey={`gkill:${g.id}`} call={(api) => api.greeterKill({ id: g.id })} />
                    </>
                  ) : (
                    // A killed instance stays listed (critical, then deregistered by Consul) until it is removed.
                    <ActionButton label="Remove" small busyKey={`gstop:${g.id}`} title="Deregister it now and forget it" call={(api) => api.greeterStop({ id: g.id })} />
                  )}
                </div>
              ))}
            </div>
          );
        })}
      </div>
      <form
        className="greeter-form"
        onSubmit={(e) => {
          e.preventDefault();
          void call();
        }}
      >
        <label>
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
        </label>
        <label>
          <span>Count</span>
          <input type="number" min={1} max={1000} value={count} onChange={(e) => setCount(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))} />
        </label>
        <NodeSelect label="Via" value={via} nodes={nodes} onChange={(v) => updatePrefs({ greeterVia: v })} />
        <button type="submit" className="primary" disabled={busy || !name}>
          Call
        </button>
      </form>
      {results.length > 0 && (
        <div className="greeter-results" role="region" aria-label="Greeter results">
          <div className="greeter-summary">
            {perInstance.map(([k, n]) => (
              <span key={k} className={`chip${k === 'failed' ? ' bad' : ''}`}>
                {k}: {n}
              </span>
            ))}
          </div>
          <table className="table compact" aria-label="Greeter calls">
            <thead>
              <tr>
                <th>#</th>
                <th>Answered by</th>
                <th>Message</th>
                <th>Latency</th>
              </tr>
            </thead>
            <tbody>
              {results.map((c, i) => (
                <tr key={i} className={c.ok ? '' : 'row-bad'}>
                  <td>{i + 1}</td>
                  <td className="mono">{c.ok ? `${c.instance ?? '?'}${c.node ? ` (${c.node})` : ''}` : '—'}</td>
                  <td>{c.ok ? c.msg : <span className="error-text">{c.error}</span>}</td>
                  <td className="mono" title={`call ${c.callMs.toFixed(1)} ms + lookup ${c.discoveryMs.toFixed(1)} ms via ${c.via}`}>
                    {(c.callMs + c.discoveryMs).toFixed(1)} ms
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CallsChart />
    </Section>
  );
}

/** Calls per instance over the last few minutes, in 5-second buckets, from 'greeter-call' events. */
function CallsChart() {
  const calls = useLab((s) => s.calls);
  const BUCKET = 5000;
  const SPAN = 36;
  const { series, max, start } = useMemo(() => {
    const end = Math.ceil((calls.at(-1)?.at ?? Date.now()) / BUCKET) * BUCKET;
    const start = end - SPAN * BUCKET;
    const series = new Map<string, number[]>();
    for (const c of calls) {
      if (c.at < start) continue;
      const k = c.ok ? (c.instance ?? '?') : 'failed';
      let arr = series.get(k);
      if (!arr) series.set(k, (arr = new Array<number>(SPAN).fill(0)));
      const i = Math.min(SPAN - 1, Math.floor((c.at - start) / BUCKET));
      arr[i] = (arr[i] ?? 0) + 1;
    }
    let max = 1;
    for (let i = 0; i < SPAN; i++) {
      let sum = 0;
      for (const arr of series.values()) sum += arr[i] ?? 0;
      max = Math.max(max, sum);
    }
    return { series: [...series.entries()], max, start };
  }, [calls]);
  if (!series.length) return <div className="muted small-text">Calls per instance appear here as they happen.</div>;
  const W = 360;
  const H = 80;
  const bw = W / SPAN;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Calls per instance over time">
        {Array.from({ length: SPAN }, (_, i) => {
          let y = H;
          return series.map(([k, arr], si) => {
            const v = arr[i] ?? 0;
            if (!v) return null;
            const h = (v / max) * (H - 4);
            y -= h;
            return <rect key={`${k}-${i}`} x={i * bw + 1} y={y} width={bw - 2} height={h} fill={k === 'failed' ? '#f85149' : PALETTE[si % PALETTE.length]} />;
          });
        })}
      </svg>
      <figcaption className="legend">
        {series.map(([k], si) => (
          <span key={k}>
            <i style={{ background: k === 'failed' ? '#f85149' : PALETTE[si % PALETTE.length] }} /> {k}
          </span>
        ))}
        <span className="muted">last {(SPAN * BUCKET) / 60000} min from {new Date(start).toLocaleTimeString([], { hour12: false })}</span>
      </figcaption>
    </figure>
  );
}
