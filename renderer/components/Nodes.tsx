/**
 * One panel per node: address, role, status in Consul's words, leader badge, actions, its VM (vagrant provider), and
 * terminals: the agent's output, a shell and, for a VM, vagrant's output.
 */
import { useEffect, useRef } from 'react';
import { nodeStatus } from '../../main/common/node-status.js';
import { useLab } from '../store.js';
import { prefsStore, updatePrefs, usePrefs, type TermTab } from '../prefs.js';
import { ActionButton, StatusPill } from './common.js';
import { MachineSection } from './Machine.js';
import { AgentLog, MachineLog } from './LogView.js';
import { Shell } from './Shell.js';

export function NodePanels() {
  const names = useLab((s) => s.snapshot?.nodes.map((n) => n.name).join(',') ?? '');
  if (!names) return null;
  return (
    <div className="nodes">
      {names.split(',').map((n) => (
        <NodePanel key={n} name={n} />
      ))}
    </div>
  );
}

function NodePanel({ name }: { name: string }) {
  const node = useLab((s) => s.snapshot?.nodes.find((n) => n.name === name));
  const member = useLab((s) => s.snapshot?.members.find((m) => m.name === name));
  const leader = useLab((s) => s.snapshot?.leader === name);
  const provider = useLab((s) => s.snapshot?.lab.provider);
  const machine = node?.machine?.name;
  const chosen = usePrefs((p) => p.tabs[name] ?? 'agent');
  const tab = chosen === 'machine' && !machine ? 'agent' : chosen;
  const height = usePrefs((p) => p.termHeights[name] ?? 240);
  // A shell or machine log opens when its tab is first shown, and stays open.
  const opened = useRef(new Set<TermTab>());
  opened.current.add(tab);
  const boxRef = useRef<HTMLDivElement>(null);

  // Remember the terminal area's height when the user drags its corner.
  useEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    let t = 0;
    const ro = new ResizeObserver(() => {
      clearTimeout(t);
      t = window.setTimeout(() => {
        const h = Math.round(el.getBoundingClientRect().height);
        if (h > 80 && Math.abs(h - height) > 4) updatePrefsHeight(name, h);
      }, 300);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      clearTimeout(t);
    };
  }, [name, height]);

  if (!node) return null;
  const status = nodeStatus(node, member);
  const running = node.process === 'running';
  const paused = node.process === 'paused';
  const stopped = node.process === 'stopped';
  const setTab = (t: TermTab) => updatePrefs({ tabs: { ...currentTabs(), [name]: t } });
  const tabs: TermTab[] = machine ? ['agent', 'shell', 'machine'] : ['agent', 'shell'];
  const httpBase = node.httpAddr.startsWith('http') ? node.httpAddr : `http://${node.httpAddr}`;

  return (
    <section className={`node-panel card status-edge-${status}`} aria-label={name}>
      <header className="node-head">
        <div className="node-title">
          <h3>{name}</h3>
          {leader && (
            <span className="badge leader" role="img" aria-label="leader" title="The raft leader">
              ★ Leader
            </span>
          )}
          <span className={`badge role-${node.role}`}>{node.role}</span>
        </div>
        <StatusPill status={status} />
      </header>
      <dl className="node-facts">
        <div>
          <dt>Address</dt>
          <dd>{node.address}</dd>
        </div>
        <div>
          <dt>HTTP</dt>
          <dd>{httpBase.replace(/^http:\/\//, '')}</dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd>
            {node.process}
            {node.pid ? ` · pid ${node.pid}` : ''}
            {running && !node.apiUp ? ' · API not answering' : ''}
          </dd>
        </div>
        {provider === 'vagrant' && !node.machine && (
          <div>
            <dt>Machine</dt>
            <dd title="The agent runs on the host: no VM">host</dd>
          </div>
        )}
      </dl>
      <div className="node-actions" role="toolbar" aria-label={`${name} actions`}>
        <NodeAction op="join" node={name} disabled={!running} title={`consul join from ${name} to a running server`} />
        <NodeAction op="leave" node={name} disabled={!running} title="consul leave: a graceful exit (status left)" />
        <NodeAction op="kill" node={name} tone="danger" disabled={stopped} title="SIGKILL the agent: a crash (status failed)" />
        {paused ? (
          <NodeAction op="resume" node={name} title="SIGCONT the agent" />
        ) : (
          <NodeAction op="pause" node={name} disabled={!running} title="SIGSTOP the agent: it stops answering, like a hung VM" />
        )}
        <NodeAction op="rejoin" node={name} tone="primary" disabled={!stopped} title="Restart the agent with -rejoin -ui" />
        <button
          type="button"
          className="small"
          disabled={!running || !node.ui}
          title={node.ui ? `${httpBase}/ui/` : 'The agent serves its web UI after Rejoin (started with -ui)'}
          onClick={() => window.open(`${httpBase}/ui/`, '_blank', 'noopener')}
        >
          Open Consul UI
        </button>
      </div>
      {node.machine && <MachineSection machine={node.machine} />}
      <div className="tabs" role="tablist" aria-label={`${name} terminals`}>
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={`tab${tab === t ? ' active' : ''}`}
            onClick={() => setTab(t)}
          >
            {t}
          </button>
        ))}
      </div>
      <div className="term-box" ref={boxRef} style={{ height }} role="tabpanel">
        <AgentLog node={name} visible={tab === 'agent'} />
        {opened.current.has('shell') && <Shell node={name} visible={tab === 'shell'} />}
        {machine && opened.current.has('machine') && <MachineLog machine={machine} visible={tab === 'machine'} />}
      </div>
    </section>
  );
}

/** One operation on the node, busy while that operation on this node runs. */
function NodeAction(props: {
  op: 'join' | 'leave' | 'kill' | 'pause' | 'resume' | 'rejoin';
  node: string;
  title: string;
  disabled?: boolean;
  tone?: 'primary' | 'danger';
}) {
  const { op, node } = props;
  const label = op[0]!.toUpperCase() + op.slice(1);
  return (
    <ActionButton
      label={label}
      busyKey={`${op}:${node}`}
      small
      tone={props.tone}
      disabled={props.disabled}
      title={props.title}
      call={(api) => api[op]({ node })}
    />
  );
}

function currentTabs() {
  return prefsStore.getState().tabs;
}

function updatePrefsHeight(name: string, h: number) {
  updatePrefs({ termHeights: { ...prefsStore.getState().termHeights, [name]: h } });
}
