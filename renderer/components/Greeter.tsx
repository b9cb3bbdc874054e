/**
 * The Go Micro Greeter: instances per node (start, stop, kill; a killed one's TTL countdown and deregistration
 * deadline), calls through the agent picked with who answered, calls per instance over time, and the Go Micro
 * registry: every service registered the Go Micro way, its tags decoded.
 */
import { useMemo, useState } from 'react';
import { describeValue, dnsNote } from '../../main/common/gomicro.js';
import type { GreeterCall, GreeterInstance } from '../../main/common/types.js';
import { run } from '../bus.js';
import { useBusy, useLab } from '../store.js';
import { updatePrefs, usePrefs } from '../prefs.js';
import { ActionButton, NodeSelect, Section, StatusPill, clock, useNow } from './common.js';
import '../styles/greeter.css';

const NO_GREETERS: GreeterInstance[] = [];
const PALETTE = ['#4f8cff', '#3fb950', '#e3b341', '#f778ba', '#a371f7', '#39c5cf', '#ff7b72'];

/** go.micro.srv.greeter-7c3e1a2b-…: its uuid's first part, which tells instances apart at a glance. */
function shortId(id: string): string {
  const uuid = /-([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.exec(id);
  return uuid ? `…${uuid[1]}` : id;
}

/** A killed instance, live: its TTL running out, then Consul's deadline for deregistering it. */
function TtlCountdown({ g }: { g: GreeterInstance }) {
  const now = useNow(1000, g.health !== 'deregistered');
  if (g.health === 'deregistered') return <span className="muted small-text">deregistered by Consul</span>;
  if (!g.killedAt || !g.ttlS || !g.deregisterAfterS) return null;
  const expires = g.killedAt + g.ttlS * 1000;
  const deadline = expires + g.deregisterAfterS * 1000;
  const left = (at: number) => `${Math.max(0, Math.ceil((at - now) / 1000))} s`;
  if (g.health !== 'critical') {
    return (
      <span className="small-text ttl">
        TTL {g.ttlS} s: critical by {clock(expires)} (in {left(expires)})
      </span>
    );
  }
  return (
    <span className="small-text ttl" title="Go Micro asks for max(TTL, 1 min) + 5 s; the agent reaps on a 30 s sweep">
      critical: Consul deregisters it {g.deregisterAfterS} s later, by {clock(deadline)} (in {left(deadline)}, or at its next 30 s sweep)
    </span>
  );
}

function Instance({ g }: { g: GreeterInstance }) {
  return (
    <fieldset className="greeter-inst" aria-label={g.id}>
      <span className="mono" title={g.id}>
        {shortId(g.id)}
      </span>
      <span className="muted mono">
        {g.address}:{g.port}
      </span>
      <StatusPill status={g.process === 'stopped' && g.health === 'deregistered' ? 'stopped' : g.health} />
      {g.process === 'running' ? (
        <span className="muted small-text">
          TTL {g.ttlS} s, refreshed every {g.intervalS} s
        </span>
      ) : (
        <TtlCountdown g={g} />
      )}
      <span className="spacer" />
      {g.process === 'running' ? (
        <>
          <ActionButton
            label="Stop"
            small
            busyKey={`gstop:${g.id}`}
            title="SIGTERM: it deregisters at once"
            call={(api) => api.greeterStop({ id: g.id })}
          />
          <ActionButton
            label="Kill"
            small
            tone="danger"
            busyKey={`gkill:${g.id}`}
            title="SIGKILL: its TTL check goes critical, then Consul deregisters it"
            call={(api) => api.greeterKill({ id: g.id })}
          />
        </>
      ) : (
        <ActionButton
          label="Remove"
          small
          busyKey={`gstop:${g.id}`}
          title="Deregister it now and forget it"
          call={(api) => api.greeterStop({ id: g.id })}
        />
      )}
    </fieldset>
  );
}

export function GreeterPanel() {
  const nodes = useLab((s) => s.snapshot?.nodes);
  const greeters = useLab((s) => s.snapshot?.greeters) ?? NO_GREETERS;
  const unavailable = useLab((s) => s.snapshot?.greeterUnavailable);
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
      const k = c.ok ? `${shortId(c.instance ?? '?')}${c.node ? ` on ${c.node}` : ''}` : 'failed';
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return [...m.entries()];
  }, [results]);

  return (
    <Section id="greeter" title="Greeter">
      {unavailable && (
        <p className="warning warn" role="note">
          {unavailable}
        </p>
      )}
      <div className="greeter-nodes">
        {nodes?.map((n) => {
          const mine = greeters.filter((g) => g.node === n.name && g.process !== 'external');
          return (
            <fieldset key={n.name} className="greeter-node" aria-label={`Greeter on ${n.name}`}>
              <div className="greeter-node-head">
                <strong>{n.name}</strong>
                <ActionButton
                  label="Start"
                  small
                  busyKey={`gstart:${n.name}`}
                  disabled={n.process !== 'running' || !!unavailable}
                  title={`Start a Go Micro Greeter instance on ${n.name}, registered with its agent`}
                  call={(api) => api.greeterStart({ node: n.name })}
                />
              </div>
              {mine.length === 0 && <div className="muted small-text">no instance</div>}
              {mine.map((g) => (
                <Instance key={g.id} g={g} />
              ))}
            </fieldset>
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
          <input
            type="number"
            min={1}
            max={1000}
            value={count}
            onChange={(e) => setCount(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))}
          />
        </label>
        <NodeSelect label="Via" value={via} nodes={nodes} onChange={(v) => updatePrefs({ greeterVia: v })} />
        <button
          type="submit"
          className="primary"
          disabled={busy || !name || !!unavailable}
          title="Go Micro's client finds the Greeter through the agent chosen in Via"
        >
          Call
        </button>
      </form>
      {results.length > 0 && (
        <section className="greeter-results" aria-label="Greeter results">
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
                // biome-ignore lint/suspicious/noArrayIndexKey: a call has no identity of its own; the list is replaced whole
                <tr key={i} className={c.ok ? '' : 'row-bad'}>
                  <td>{i + 1}</td>
                  <td className="mono" title={c.instance}>
                    {c.ok ? `${shortId(c.instance ?? '?')}${c.node ? ` (${c.node})` : ''}` : '—'}
                  </td>
                  <td>{c.ok ? c.msg : <span className="error-text">{c.error}</span>}</td>
                  <td className="mono" title={`call ${c.callMs.toFixed(1)} ms + lookup ${c.discoveryMs.toFixed(1)} ms via ${c.via}`}>
                    {(c.callMs + c.discoveryMs).toFixed(1)} ms{(c.attempts ?? 1) > 1 ? `, ${c.attempts} tried` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <CallsChart />
      <Registry greeters={greeters} />
    </Section>
  );
}

/** What Consul shows as hex in the tags of every Go Micro service, decoded: version, endpoints, metadata, instances. */
function Registry({ greeters }: { greeters: GreeterInstance[] }) {
  const services = useMemo(() => {
    const m = new Map<string, GreeterInstance[]>();
    for (const g of greeters) if (g.gomicro) m.set(g.service, [...(m.get(g.service) ?? []), g]);
    return [...m.entries()];
  }, [greeters]);
  return (
    <section className="gomicro" aria-label="Go Micro registry">
      <h3>Go Micro registry</h3>
      {services.length === 0 && <div className="muted small-text">No service is registered the Go Micro way.</div>}
      {services.map(([service, list]) => {
        const info = list[0]!.gomicro!;
        const note = dnsNote(service);
        return (
          <fieldset key={service} className="gomicro-service" aria-label={service}>
            <div className="gomicro-head">
              <strong className="mono">{service}</strong>
              <span className="muted">version {info.version ?? '-'}</span>
            </div>
            {note && (
              <p className="warning warn small-text" role="note">
                {note}
              </p>
            )}
            <ul className="gomicro-endpoints">
              {info.endpoints.map((e) => (
                <li key={e.name} className="mono">
                  {e.name}({describeValue(e.request)}) → {describeValue(e.response)}
                </li>
              ))}
            </ul>
            <div className="gomicro-meta">
              {Object.entries(info.metadata).map(([k, v]) => (
                <span key={k} className="chip">
                  {k}: {v}
                </span>
              ))}
            </div>
            <table className="table compact" aria-label={`${service} instances`}>
              <thead>
                <tr>
                  <th>Instance</th>
                  <th>Node</th>
                  <th>Address</th>
                  <th>Check</th>
                  <th>Started by</th>
                </tr>
              </thead>
              <tbody>
                {list.map((g) => (
                  <tr key={g.id}>
                    <td className="mono" title={g.id}>
                      {shortId(g.id)}
                    </td>
                    <td>{g.node}</td>
                    <td className="mono">
                      {g.address}:{g.port}
                    </td>
                    <td title={g.check?.output || undefined}>{g.check ? `${g.check.type} ${g.check.status}` : '-'}</td>
                    <td>{g.process === 'external' ? 'outside the lab' : 'the lab'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </fieldset>
        );
      })}
    </section>
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
      const k = c.ok ? shortId(c.instance ?? '?') : 'failed';
      let arr = series.get(k);
      if (!arr) {
        arr = new Array<number>(SPAN).fill(0);
        series.set(k, arr);
      }
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
            const fill = k === 'failed' ? '#f85149' : PALETTE[si % PALETTE.length];
            // biome-ignore lint/suspicious/noArrayIndexKey: i is the time bucket, a place on the axis
            return <rect key={`${k}-${i}`} x={i * bw + 1} y={y} width={bw - 2} height={h} fill={fill} />;
          });
        })}
      </svg>
      <figcaption className="legend">
        {series.map(([k], si) => (
          <span key={k}>
            <i style={{ background: k === 'failed' ? '#f85149' : PALETTE[si % PALETTE.length] }} /> {k}
          </span>
        ))}
        <span className="muted">
          last {(SPAN * BUCKET) / 60000} min from {new Date(start).toLocaleTimeString([], { hour12: false })}
        </span>
      </figcaption>
    </figure>
  );
}
