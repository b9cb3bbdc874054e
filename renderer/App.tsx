/** The lab window: header and progress, health strip, node panels, members, KV, Greeter, timeline. */
import { useEffect, useState } from 'react';
import { onToasts, run, type Toast } from './bus.js';
import { labStore, useLab } from './store.js';
import { prefsStore, updatePrefs, usePrefs } from './prefs.js';
import { Dialog } from './components/Dialog.js';
import { Header } from './components/Header.js';
import { HealthStrip, MembersPanel } from './components/Cluster.js';
import { NodePanels } from './components/Nodes.js';
import { KvPanel } from './components/Kv.js';
import { GreeterPanel } from './components/Greeter.js';
import { TimelinePanel } from './components/Timeline.js';

const SHORTCUTS: [string, string][] = [
  ['Alt+U', 'Bring up the lab'],
  ['Alt+S', 'Stop the lab'],
  ['Alt+T', 'Switch dark / light theme'],
  ['Alt+K', 'Go to the KV key field'],
  ['Alt+1 … Alt+9', "Go to a node's panel"],
  ['Alt+A / Alt+H', "Show the focused node's agent / shell tab"],
  ['?', 'Show these shortcuts'],
  ['Ctrl+Shift+C / Ctrl+Shift+V', 'Copy / paste in a terminal'],
];

export function App({ error }: { error: string | null }) {
  const theme = usePrefs((p) => p.theme);
  const [help, setHelp] = useState(false);
  const dir = useLab((s) => s.snapshot?.dir);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    if (dir && prefsStore.getState().lastLab !== dir) updatePrefs({ lastLab: dir });
    document.title = dir ? `Consul Lab — ${labStore.getState().snapshot?.lab.name ?? ''}` : 'Consul Lab';
  }, [dir]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = !!target && (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.isContentEditable);
      if (e.altKey && !e.ctrlKey && !e.metaKey) {
        const snap = labStore.getState().snapshot;
        const k = e.code;
        if (k === 'KeyU') void run('up', (api) => api.up({}));
        else if (k === 'KeyS') void run('down', (api) => api.down({}));
        else if (k === 'KeyT') updatePrefs({ theme: prefsStore.getState().theme === 'dark' ? 'light' : 'dark' });
        else if (k === 'KeyK') document.getElementById('kv-key')?.focus();
        else if (/^Digit[1-9]$/.test(k)) {
          const n = snap?.nodes[Number(k.slice(5)) - 1];
          if (n) focusNode(n.name);
        } else if (k === 'KeyA' || k === 'KeyH') {
          const panel = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.node-panel');
          const name = panel?.getAttribute('aria-label');
          if (name) updatePrefs({ tabs: { ...prefsStore.getState().tabs, [name]: k === 'KeyA' ? 'agent' : 'shell' } });
        } else return;
        e.preventDefault();
        return;
      }
      if (!typing && e.key === '?' && !target?.closest('.xterm')) {
        setHelp((h) => !h);
        e.preventDefault();
      }
      if (e.key === 'Escape') setHelp(false);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div className="app">
      <Header onHelp={() => setHelp(true)} />
      {error && (
        <div className="warning bad" role="alert">
          {error}
        </div>
      )}
      <main className="layout">
        <div className="col-main">
          <HealthStrip />
          <NodePanels />
          <MembersPanel />
        </div>
        <aside className="col-side">
          <KvPanel />
          <GreeterPanel />
          <TimelinePanel />
        </aside>
      </main>
      <Toasts />
      {help && (
        <Dialog label="Keyboard shortcuts" onClose={() => setHelp(false)}>
          <table className="table compact">
            <tbody>
              {SHORTCUTS.map(([k, v]) => (
                <tr key={k}>
                  <td>
                    <kbd>{k}</kbd>
                  </td>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={() => setHelp(false)}>
            Close
          </button>
        </Dialog>
      )}
    </div>
  );
}

function focusNode(name: string) {
  const panel = document.querySelector<HTMLElement>(`.node-panel[aria-label="${CSS.escape(name)}"]`);
  panel?.scrollIntoView({ block: 'nearest' });
  panel?.querySelector<HTMLElement>('button:not([disabled])')?.focus();
}

function Toasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(() => onToasts(setToasts), []);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast tone-${t.tone}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
