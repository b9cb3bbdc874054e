/** The lab's header: name, provider, topology; Bring up, Stop, Destroy; bring-up progress as named steps. */
import { useState } from 'react';
import { useLab, useBusy, type StepState } from '../store.js';
import { run } from '../bus.js';
import { ActionButton, secs, useNow } from './common.js';
import { updatePrefs, usePrefs } from '../prefs.js';
import { LabSettings } from './Settings.js';
import { VagrantfileEditor } from './VagrantfileEditor.js';

/** The steps of bring-up, named before they start so the user sees what is coming. */
const UP_STEPS: { step: string; label: string }[] = [
  { step: 'preflight', label: 'Check consul and addresses' },
  { step: 'start-servers', label: 'Start servers' },
  { step: 'join-servers', label: 'Join servers' },
  { step: 'elect-leader', label: 'Elect leader' },
  { step: 'start-clients', label: 'Start client' },
  { step: 'join-clients', label: 'Join client' },
  { step: 'all-alive', label: 'All members alive' },
];

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
                <span className="tag">{spec.provider}</span> {servers} server{servers === 1 ? '' : 's'} · {clients} client{clients === 1 ? '' : 's'} · datacenter{' '}
                {spec.datacenter}
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
          <button type="button" className="danger" disabled={!snap || destroying} onClick={() => setConfirm(true)} title="Stop everything and delete the lab's directory">
            Destroy
          </button>
        ) : (
          <span className="confirm" role="group" aria-label="Confirm destroy">
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
          </span>
        )}
        <span className="divider" />
        <button type="button" className="ghost" disabled={!snap} onClick={() => setOpen('settings')} title="Servers, clients and provider of the lab">
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

function Progress() {
  const progress = useLab((s) => s.progress);
  const running = !!progress && !progress.finished;
  const now = useNow(200, running);
  const [hidden, setHidden] = useState<number | null>(null);
  if (!progress || hidden === progress.startedAt) return null;
  const steps: StepState[] =
    progress.op === 'up'
      ? [
          ...UP_STEPS.map(
            (u) => progress.steps.find((s) => s.step === u.step) ?? ({ step: u.step, label: u.label, status: 'pending', startedAt: 0, elapsedMs: 0 } as unknown as StepState),
          ),
          ...progress.steps.filter((s) => !UP_STEPS.some((u) => u.step === s.step)),
        ]
      : progress.steps;
  const current = steps.find((s) => s.status === 'start');
  const total = (progress.finished ? Math.max(...progress.steps.map((s) => s.startedAt + s.elapsedMs), progress.startedAt) : now) - progress.startedAt;
  return (
    <div className={`progress ${progress.failed ? 'failed' : progress.finished ? 'done' : 'running'}`} role="status" aria-label={`${progress.op} progress`}>
      <span className="progress-op">
        {progress.op === 'up' ? 'Bring up' : progress.op === 'down' ? 'Stop' : progress.op}
        {progress.failed ? ' failed' : progress.finished ? ' done' : '…'} <span className="muted">{secs(Math.max(0, total))}</span>
      </span>
      <ol className="steps">
        {steps.map((s) => {
          const st = s.status as string;
          const el = st === 'start' ? now - s.startedAt : s.elapsedMs;
          return (
            <li key={s.step} className={`step step-${st}`} aria-current={s === current ? 'step' : undefined} title={s.message ?? s.label}>
              <span className="step-icon" aria-hidden>
                {st === 'done' ? '✓' : st === 'fail' ? '✕' : st === 'start' ? <span className="spinner" /> : '○'}
              </span>
              <span>{shortLabel(s.label)}</span>
              {st !== 'pending' && <span className="muted"> {secs(Math.max(0, el))}</span>}
            </li>
          );
        })}
      </ol>
      {progress.failed && <span className="error-text">{steps.find((s) => s.status === 'fail')?.message}</span>}
      {progress.finished && (
        <button type="button" className="ghost small" onClick={() => setHidden(progress.startedAt)} aria-label="Dismiss progress">
          ✕
        </button>
      )}
    </div>
  );
}

function shortLabel(label: string): string {
  return label.replace(/ \(.*\)$/, '');
}
