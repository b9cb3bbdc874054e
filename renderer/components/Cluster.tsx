/** The cluster health strip (leader, raft voters, quorum, failures tolerated) and the members table. */
import { useEffect, useRef, useState } from 'react';
import { NO_AGENT } from '../../main/common/contract.js';
import type { Member } from '../../main/common/types.js';
import { lab } from '../bus.js';
import { useLab } from '../store.js';
import { updatePrefs, usePrefs } from '../prefs.js';
import { NodeSelect, Section, StatusPill } from './common.js';
import { ViewsMatrix } from './ViewsMatrix.js';

export function HealthStrip() {
  const snap = useLab((s) => s.snapshot);
  if (!snap) return null;
  const raft = snap.raft;
  const running = snap.nodes.some((n) => n.process !== 'stopped');
  const servers = snap.lab.nodes.filter((n) => n.role === 'server').length;
  const lost = running && !!raft && raft.tolerates < 0;
  const noLeader = running && !snap.leader && snap.members.length > 0;
  const fragile = running && !!raft && raft.tolerates === 0;
  return (
    <section className="health" aria-label="Cluster health">
      <div className="health-cells">
        <Cell label="Leader" value={snap.leader ?? (running ? 'none' : '—')} tone={snap.leader ? 'ok' : running ? 'bad' : 'muted'} />
        <Cell
          label="Raft voters"
          value={raft ? `${raft.aliveVoters}/${raft.voters.length} alive` : '—'}
          tone={raft ? (raft.aliveVoters === raft.voters.length ? 'ok' : 'warn') : 'muted'}
        />
        <Cell label="Quorum size" value={raft ? String(raft.quorum) : '—'} />
        <Cell
          label="Failures tolerated"
          value={raft ? String(Math.max(0, raft.tolerates)) : '—'}
          tone={raft ? (raft.tolerates > 0 ? 'ok' : raft.tolerates === 0 ? 'warn' : 'bad') : 'muted'}
        />
        <Cell label="Seen from" value={snap.seenFrom ?? '—'} />
      </div>
      {(lost || (noLeader && !fragile)) && (
        <div className="warning bad" role="alert">
          <strong>Quorum lost.</strong>{' '}
          {raft ? `${raft.aliveVoters} of ${raft.voters.length} servers alive; ${raft.quorum} needed.` : 'No leader.'} Still works: stale
          reads (<code>?stale</code>) and DNS lookups served by any agent. Does not work: writes (KV put, service registration) and
          consistent reads, until a majority of servers is back.
        </div>
      )}
      {fragile && !lost && (
        <div className="warning warn" role="alert">
          <strong>This cluster tolerates no failure.</strong> With {raft!.voters.length} server{raft!.voters.length === 1 ? '' : 's'} quorum
          is {raft!.quorum}: losing any one server stops writes.{' '}
          {servers < 3 ? 'The tutorial runs two servers; three or five tolerate one or two failures.' : ''}
        </div>
      )}
    </section>
  );
}

function Cell({ label, value, tone }: { label: string; value: string; tone?: 'ok' | 'warn' | 'bad' | 'muted' }) {
  return (
    <div className={`cell tone-${tone ?? 'plain'}`}>
      <div className="cell-label">{label}</div>
      <div className="cell-value">{value}</div>
    </div>
  );
}

export function MembersPanel() {
  const snap = useLab((s) => s.snapshot);
  const from = usePrefs((p) => p.membersFrom);
  const [view, setView] = useState<{ seenFrom: string; members: Member[]; error?: string } | null>(null);
  const inFlight = useRef(false);
  const at = snap?.at ?? 0;

  // With a chosen agent, ask it again whenever the lab's picture changes (one question at a time).
  // biome-ignore lint/correctness/useExhaustiveDependencies: at, the snapshot's time, is the trigger: a new picture asks again
  useEffect(() => {
    if (!from) {
      setView(null);
      return;
    }
    if (inFlight.current) return;
    inFlight.current = true;
    lab()
      .members({ node: from })
      .then((r) => setView(r))
      .catch((err: Error) => setView({ seenFrom: from, members: [], error: err.message }))
      .finally(() => (inFlight.current = false));
  }, [from, at]);

  const members = from ? (view?.members ?? []) : (snap?.members ?? []);
  const seenFrom = from ? (view?.seenFrom ?? from) : snap?.seenFrom;
  const leader = snap?.leader;
  return (
    <Section
      id="members"
      title="Members"
      extra={<NodeSelect label="Seen from" value={from} nodes={snap?.nodes} onChange={(v) => updatePrefs({ membersFrom: v })} inline />}
    >
      <div className="muted small-text">
        <code>consul members</code> {seenFrom ? `as ${seenFrom} sees it` : `— ${NO_AGENT}`}
      </div>
      {view?.error && <div className="error-text">{view.error}</div>}
      <table className="table" aria-label="consul members">
        <thead>
          <tr>
            <th>Node</th>
            <th>Address</th>
            <th>Status</th>
            <th>Type</th>
            <th>Build</th>
            <th>DC</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.name}>
              <td>
                {m.name}
                {leader === m.name && <span className="badge leader tiny">leader</span>}
              </td>
              <td className="mono">
                {m.address}:{m.port}
              </td>
              <td>
                <StatusPill status={m.status} />
              </td>
              <td>{m.role}</td>
              <td className="mono">{m.build}</td>
              <td>{m.dc}</td>
            </tr>
          ))}
          {!members.length && (
            <tr>
              <td colSpan={6} className="muted">
                no members
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <ViewsMatrix />
    </Section>
  );
}
