/** Small shared pieces: buttons that show they are busy, status pills, collapsible sections, elapsed time. */
import { useEffect, useState, type ReactNode } from 'react';
import type { LabApi } from '../../main/common/contract.js';
import { run, type RunResult } from '../bus.js';
import { useBusy } from '../store.js';
import { updatePrefs, usePrefs } from '../prefs.js';

export function ActionButton<T>(props: {
  label: string;
  busyKey: string;
  call: (api: LabApi) => Promise<T>;
  disabled?: boolean;
  title?: string;
  tone?: 'primary' | 'danger' | 'default';
  shortcut?: string;
  small?: boolean;
  onDone?: (r: RunResult<T>) => void;
}) {
  const busy = useBusy(props.busyKey);
  return (
    <button
      type="button"
      className={`${props.tone ?? 'default'}${props.small ? ' small' : ''}${busy ? ' busy' : ''}`}
      disabled={props.disabled || busy}
      aria-busy={busy || undefined}
      title={props.title}
      aria-keyshortcuts={props.shortcut}
      onClick={async () => {
        const r = await run(props.busyKey, props.call);
        props.onDone?.(r);
      }}
    >
      {props.label}
    </button>
  );
}

export type StatusWord = 'alive' | 'failed' | 'left' | 'leaving' | 'none' | 'stopped' | 'paused' | 'starting' | 'down';

export function StatusPill({ status }: { status: StatusWord | string }) {
  return <span className={`pill status-${status}`}>{status}</span>;
}

export function Section(props: { id: string; title: string; extra?: ReactNode; children: ReactNode; className?: string }) {
  const collapsed = usePrefs((p) => !!p.collapsed[props.id]);
  const all = usePrefs((p) => p.collapsed);
  return (
    <section className={`card ${props.className ?? ''}`} aria-label={props.title}>
      <header className="card-head">
        <button
          type="button"
          className="twisty"
          aria-expanded={!collapsed}
          aria-label={`${collapsed ? 'Expand' : 'Collapse'} ${props.title}`}
          onClick={() => updatePrefs({ collapsed: { ...all, [props.id]: !collapsed } })}
        >
          {collapsed ? '▸' : '▾'}
        </button>
        <h2>{props.title}</h2>
        <span className="spacer" />
        {props.extra}
      </header>
      {!collapsed && <div className="card-body">{props.children}</div>}
    </section>
  );
}

export function useNow(intervalMs: number, active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs, active]);
  return now;
}

export function secs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export function clock(at: number): string {
  const d = new Date(at);
  return d.toLocaleTimeString([], { hour12: false });
}

/** A choice of the agent a request goes through (or "any agent"), labelled as shown; inline: label and choice on one line. */
export function NodeSelect(props: {
  label: string;
  value: string;
  nodes: { name: string }[] | undefined;
  onChange: (name: string) => void;
  inline?: boolean;
}) {
  return (
    <label className={props.inline ? 'inline' : undefined}>
      <span>{props.label}</span>
      <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">any agent</option>
        {props.nodes?.map((n) => (
          <option key={n.name} value={n.name}>
            {n.name}
          </option>
        ))}
      </select>
    </label>
  );
}
