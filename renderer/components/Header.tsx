/** The lab's header: name, provider, topology; Bring up, Stop, Destroy; the running operation's steps and their times. */
import { useState } from 'react';
import { useLab, useBusy, type StepState } from '../store.js';
import { run } from '../bus.js';
import { ActionButton, secs, useNow } from './common.js';
import { updatePrefs, usePrefs } from '../prefs.js';
import { LabSettings } from './Settings.js';
import { VagrantfileEditor } from './VagrantfileEditor.js';

export function Header({ onHelp }: { onHelp(): void }) {
  const snap = useLab((s) => s.snapshot);
  const connected = useLab((s) => s.connected);
  const theme = usePrefs((p) => p.theme);
  const [confirm, setConfirm] = useState(false);
  const [open, setOpen] = useState<'settings' | 'vagrantfile' | null>(null);
  const destroying = useBusy('destroy');
  const spec = snap?.lab;
  const servers = spec?.nodes.filter((n) => n.role === 'server').length ?? 0;
  const clients = (spec?.nodes.length ?? 0) - servers;
  const anyRunning = !!snap?.nodes.some((n) => n.process !== 'stopped');
  const upBusy = useBusy('up');
  const downBusy = useBusy('down');

  return (
    <header className="app-head">
      <div className="brand">
        <span className="logo" aria-hidden>
          ◆
        </span>
        <div>
          <h1>{spec ? spec.name : 'Consul Lab'}</h1>
          <div className="muted small-text" title={snap?.dir}>
            {spec ? (
              <>
                <span className="tag">{spec.provider}</span> {servers} server{servers === 1 ? '' : 's'} · {clients} client
                {clients === 1 ? '' : 's'} · datacenter {spec.datacenter}
              </>
            ) : connected ? (
              'no lab'
            ) : (
              'connecting…'
            )}
          </div>
        </div>
      </div>
      <div className="head-actions">
        <ActionButton
          label="Bring up"
          busyKey="up"
          tone="primary"
          shortcut="Alt+U"
          title="Start the servers, join them, elect a leader, start and join the client (Alt+U)"
          disabled={!snap || anyRunning || downBusy}
          call={(api) => api.up({})}
        />
        <ActionButton
          label="Stop"
          busyKey="down"
          shortcut="Alt+S"
          title="Stop every agent and Greeter instance, keeping data (Alt+S)"
          disabled={!snap || upBusy}
          call={(api) => api.down({})}
        />
        {!confirm ? (
          <button
            type="button"
            className="danger"
            disabled={!snap || destroying}
            onClick={() => setConfirm(true)}
            title="Stop everything and delete the lab's directory"
          >
            Destroy
          </button>
        ) : (
          <fieldset className="confirm" aria-label="Confirm destroy">
            <span>Delete the lab and its data?</span>
            <button
              type="button"
              className="danger"
              onClick={async () => {
                setConfirm(false);
                await run('destroy', (api) => api.destroy({}));
              }}
            >
              Destroy for good
            </button>
            <button type="button" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </fieldset>
        )}
        <span className="divider" />
        <button
          type="button"
          className="ghost"
          disabled={!snap}
          onClick={() => setOpen('settings')}
          title="Servers, clients and provider of the lab"
        >
          Lab settings
        </button>
        {spec?.provider === 'vagrant' && (
          <button type="button" className="ghost" onClick={() => setOpen('vagrantfile')} title="View and edit the lab's Vagrantfile">
            Vagrantfile
          </button>
        )}
        <button
          type="button"
          className="ghost"
          aria-keyshortcuts="Alt+T"
          title="Switch between dark and light (Alt+T)"
          onClick={() => updatePrefs({ theme: theme === 'dark' ? 'light' : 'dark' })}
        >
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
        <button type="button" className="ghost" onClick={onHelp} aria-keyshortcuts="Shift+?" title="Keyboard shortcuts (?)">
          Shortcuts
        </button>
      </div>
      <Progress />
      {open === 'settings' && <LabSettings onClose={() => setOpen(null)} />}
      {open === 'vagrantfile' && <VagrantfileEditor onClose={() => setOpen(null)} />}
    </header>
  );
}

/** What the header calls each operation with steps. */
const OP_WORDS: Record<string, string> = { up: 'Bring up', down: 'Stop', destroy: 'Destroy', rejoin: 'Rejoin', vm: 'Machine' };

function Progress() {
  const progress = useLab((s) => s.progress);
  const running = !!progress && !progress.finished;
  const now = useNow(200, running);
  const [hidden, setHidden] = useState<number | null>(null);
  if (!progress || hidden === progress.startedAt) return null;
  const total = (progress.endedAt ?? now) - progress.startedAt;
  const failure = progress.steps.find((s) => s.status === 'fail')?.message ?? progress.error;
  return (
    <div
      className={`progress ${progress.failed ? 'failed' : progress.finished ? 'done' : 'running'}`}
      role="status"
      aria-label={`${progress.op} progress`}
    >
      <span className="progress-op">
        {OP_WORDS[progress.op] ?? progress.op}
        {progress.failed ? ' failed' : progress.finished ? ' done' : '…'} <span className="muted">{secs(Math.max(0, total))}</span>
      </span>
      <ol className="steps">
        {progress.steps.map((s) => (
          <Step key={s.step} step={s} now={now} />
        ))}
      </ol>
      {progress.failed && <span className="error-text">{failure}</span>}
      {progress.finished && (
        <button type="button" className="ghost small" onClick={() => setHidden(progress.startedAt)} aria-label="Dismiss progress">
          ✕
        </button>
      )}
    </div>
  );
}

/** One step: its label (with its phase while it runs) and how long it took, or has taken so far. */
function Step({ step: s, now }: { step: StepState; now: number }) {
  const elapsed = s.status === 'start' ? now - s.startedAt : s.elapsedMs;
  return (
    <li
      className={`step step-${s.status}`}
      aria-current={s.status === 'start' ? 'step' : undefined}
      title={s.message ? `${s.label}: ${s.message}` : s.label}
    >
      <span className="step-icon" aria-hidden>
        {s.status === 'done' ? '✓' : s.status === 'fail' ? '✕' : s.status === 'start' ? <span className="spinner" /> : '○'}
      </span>
      <span>
        {shortLabel(s.label)}
        {s.status === 'start' && s.message ? ` · ${s.message}` : ''}
      </span>
      {s.status !== 'pending' && <span className="muted"> {secs(Math.max(0, elapsed))}</span>}
    </li>
  );
}

function shortLabel(label: string): string {
  return label.replace(/ \(.*\)$/, '');
}
