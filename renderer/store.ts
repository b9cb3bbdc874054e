/**
 * The window's state, fed only by the lab's event stream: 'snapshot' events are the state of record;
 * 'progress', 'member', 'leader', 'action' and 'greeter-*' events feed the progress bar, the timeline and
 * the charts. High-volume output ('log', 'term-*') never enters the store: it goes straight to terminals
 * through the bus (see bus.ts), so a log flood does not re-render React.
 */
import { createStore, useStore } from 'zustand';
import type { ClusterSnapshot, GreeterCall, LabEvent, MemberStatus, ProgressEvent } from '../main/common/types.js';

export const TIMELINE_CAP = 400;
export const HISTORY_CAP = 600;
export const CALLS_CAP = 500;

export interface TimelineItem {
  seq: number;
  at: number;
  kind: 'member' | 'leader' | 'action' | 'greeter' | 'progress';
  /** Plain words for the list. */
  text: string;
  tone: 'ok' | 'bad' | 'warn' | 'info';
}

export interface StepState {
  step: string;
  label: string;
  status: 'start' | 'done' | 'fail';
  /** Wall-clock time the step started (client receive time adjusted by the event's at). */
  startedAt: number;
  elapsedMs: number;
  message?: string;
}

export interface OpProgress {
  op: string;
  startedAt: number;
  steps: StepState[];
  finished: boolean;
  failed: boolean;
}

/** One sample of every member's status, taken when a snapshot arrives (for the status-over-time chart). */
export interface StatusSample {
  at: number;
  statuses: Record<string, MemberStatus | 'down'>;
}

export interface LabState {
  connected: boolean;
  snapshot: ClusterSnapshot | null;
  progress: OpProgress | null;
  timeline: TimelineItem[];
  history: StatusSample[];
  calls: GreeterCall[];
  seq: number;
}

export interface LabStore extends LabState {
  ingest(e: LabEvent): void;
  ingestMany(events: LabEvent[]): void;
}

const initial: LabState = {
  connected: false,
  snapshot: null,
  progress: null,
  timeline: [],
  history: [],
  calls: [],
  seq: 0,
};

function cap<T>(list: T[], n: number): T[] {
  return list.length > n ? list.slice(list.length - n) : list;
}

function describeArgs(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  const a = args as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof a.node === 'string') parts.push(a.node);
  if (typeof a.key === 'string') parts.push(`key ${a.key}`);
  if (typeof a.target === 'string') parts.push(`→ ${a.target}`);
  if (typeof a.id === 'string') parts.push(a.id);
  return parts.join(' ');
}

function toneOf(s: MemberStatus): TimelineItem['tone'] {
  return s === 'alive' ? 'ok' : s === 'failed' ? 'bad' : s === 'leaving' ? 'warn' : 'info';
}

const MEMBER_WORDS: Record<MemberStatus, string> = {
  alive: 'joined (alive)',
  failed: 'failed',
  left: 'left',
  leaving: 'is leaving',
  none: 'unknown',
};

function applyProgress(prev: OpProgress | null, e: ProgressEvent): OpProgress {
  const now = Date.now();
  let p = prev;
  if (!p || p.op !== e.op || (p.finished && e.status === 'start')) {
    p = { op: e.op, startedAt: now - e.elapsedMs, steps: [], finished: false, failed: false };
  }
  const steps = p.steps.slice();
  const i = steps.findIndex((s) => s.step === e.step);
  if (e.status === 'start') {
    const s: StepState = { step: e.step, label: e.label, status: 'start', startedAt: now, elapsedMs: 0 };
    if (i >= 0) steps[i] = s;
    else steps.push(s);
  } else {
    const old = i >= 0 ? steps[i]! : { step: e.step, label: e.label, status: 'start' as const, startedAt: now, elapsedMs: 0 };
    const s: StepState = { ...old, label: e.label, status: e.status, elapsedMs: now - old.startedAt, message: e.message };
    if (i >= 0) steps[i] = s;
    else steps.push(s);
  }
  const failed = e.status === 'fail' || p.failed;
  // The last step of each operation closes it.
  const last = (e.op === 'up' && e.step === 'all-alive') || (e.op === 'down' && e.step === 'verify') || (e.op === 'rejoin' && e.step === 'alive');
  return { ...p, steps, failed, finished: failed || (last && e.status === 'done') };
}

export function reduce(state: LabState, e: LabEvent): LabState {
  const seq = state.seq + 1;
  const item = (kind: TimelineItem['kind'], text: string, tone: TimelineItem['tone'], at: number): TimelineItem[] =>
    cap([...state.timeline, { seq, at, kind, text, tone }], TIMELINE_CAP);
  switch (e.type) {
    case 'snapshot': {
      const s = e.snapshot;
      const statuses: StatusSample['statuses'] = {};
      for (const n of s.nodes) statuses[n.name] = 'down';
      for (const m of s.members) statuses[m.name] = m.status;
      // An agent that is stopped is not in anyone's member list once the cluster is down.
      if (!s.members.length) for (const n of s.nodes) statuses[n.name] = 'down';
      return { ...state, seq, connected: true, snapshot: s, history: cap([...state.history, { at: s.at, statuses }], HISTORY_CAP) };
    }
    case 'progress': {
      const progress = applyProgress(state.progress, e);
      const timeline = e.status === 'fail' ? item('progress', `${e.op}: ${e.label} failed${e.message ? `: ${e.message}` : ''}`, 'bad', e.at) : state.timeline;
      return { ...state, seq, progress, timeline };
    }
    case 'member':
      return {
        ...state,
        seq,
        timeline: item('member', `${e.name} ${MEMBER_WORDS[e.to]}${e.from ? ` (was ${e.from})` : ''}`, toneOf(e.to), e.at),
      };
    case 'leader':
      return {
        ...state,
        seq,
        timeline: item(
          'leader',
          e.leader ? `leader is now ${e.leader}${e.previous ? ` (was ${e.previous})` : ''}` : `no leader${e.previous ? ` (was ${e.previous})` : ''}: quorum lost?`,
          e.leader ? 'ok' : 'bad',
          e.at,
        ),
      };
    case 'action': {
      const what = `${e.op}${describeArgs(e.args) ? ` ${describeArgs(e.args)}` : ''}`;
      return { ...state, seq, timeline: item('action', e.ok ? `you: ${what}` : `you: ${what} failed: ${e.error ?? ''}`, e.ok ? 'info' : 'bad', e.at) };
    }
    case 'greeter-health':
      return {
        ...state,
        seq,
        timeline: item('greeter', `greeter ${e.id} on ${e.node}: ${e.to}${e.from ? ` (was ${e.from})` : ''}`, e.to === 'passing' ? 'ok' : e.to === 'critical' ? 'bad' : 'warn', e.at),
      };
    case 'greeter-instance':
      return {
        ...state,
        seq,
        timeline: item('greeter', `greeter ${e.id} on ${e.node} ${e.change}`, e.change === 'started' ? 'ok' : e.change === 'killed' ? 'bad' : 'info', e.at),
      };
    case 'greeter-call':
      return { ...state, seq, calls: cap([...state.calls, e.call], CALLS_CAP) };
    default:
      return state;
  }
}

export const labStore = createStore<LabStore>()((set) => ({
  ...initial,
  ingest: (e) => set((s) => reduce(s, e)),
  ingestMany: (events) =>
    set((s) => {
      let st: LabState = s;
      for (const e of events) st = reduce(st, e);
      return st;
    }),
}));

export function useLab<T>(select: (s: LabStore) => T): T {
  return useStore(labStore, select);
}

/** Busy-state of user-started operations: UI-only bookkeeping, not lab state. */
export const pendingStore = createStore<{ busy: Record<string, boolean>; set(key: string, v: boolean): void }>()((set) => ({
  busy: {},
  set: (key, v) => set((s) => ({ busy: { ...s.busy, [key]: v } })),
}));

export function useBusy(key: string): boolean {
  return useStore(pendingStore, (s) => !!s.busy[key]);
}
