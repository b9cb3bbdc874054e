/**
 * The window's state, fed only by the lab's event stream: 'snapshot' events are the state of record;
 * 'progress', 'member', 'leader', 'action' and 'greeter-*' events feed the progress bar, the timeline and
 * the charts. High-volume output ('log', 'machine-log', 'term-*') never enters the store: it goes straight to terminals
 * through the bus (see bus.ts), so a log flood does not re-render React.
 */
import { createStore, useStore } from 'zustand';
import { nodeStatuses, type NodeStatus } from '../main/common/node-status.js';
import { machinesOf, stepsOf, VM_ACTIONS, type StepDef, type VmAction } from '../main/common/steps.js';
import type {
  ActionEvent,
  ClusterSnapshot,
  GossipEvent,
  GreeterCall,
  LabEvent,
  LabSpec,
  MemberStatus,
  ProgressEvent,
} from '../main/common/types.js';

export const TIMELINE_CAP = 400;
export const HISTORY_CAP = 600;
export const CALLS_CAP = 500;

export interface TimelineItem {
  seq: number;
  at: number;
  kind: 'member' | 'gossip' | 'leader' | 'action' | 'greeter' | 'progress';
  /** Plain words for the list. */
  text: string;
  tone: 'ok' | 'bad' | 'warn' | 'info';
}

export interface StepState {
  step: string;
  label: string;
  /** pending: one of the operation's steps that has not started yet. */
  status: 'pending' | 'start' | 'done' | 'fail';
  /** When the step started, by the lab's clock (the events' at); 0 while pending. */
  startedAt: number;
  elapsedMs: number;
  /** While it runs, its phase (a VM step: booting, provisioning, …); once ended, what it ended with. */
  message?: string;
}

export interface OpProgress {
  op: string;
  startedAt: number;
  /** When the operation ended (its action event, or a failed step); null while it runs. */
  endedAt: number | null;
  /** Every step in order: the operation's own, pending ones ahead, and any other step it reported. */
  steps: StepState[];
  /** Whether the operation's steps are known (listed ahead as pending). */
  defined: boolean;
  finished: boolean;
  failed: boolean;
  /** The operation's error, when it failed outside any step. */
  error?: string;
}

/** One sample of every node's status, taken when a snapshot arrives (for the status-over-time chart). */
export interface StatusSample {
  at: number;
  statuses: Record<string, NodeStatus>;
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

/** What the user did, in a few words: "kill agent-two", "kvPut key a through agent-one", "vm halt n2". */
export function describeAction(e: ActionEvent): string {
  switch (e.op) {
    case 'join':
      return `join ${e.args.node}${e.args.target ? ` → ${e.args.target}` : ''}`;
    case 'leave':
    case 'kill':
    case 'pause':
    case 'resume':
    case 'rejoin':
      return `${e.op} ${e.args.node}`;
    case 'kvPut':
    case 'kvDelete':
      return `${e.op} key ${e.args.key} through ${e.args.node}`;
    case 'vm':
      return `vm ${e.args.action}${e.args.machine ? ` ${e.args.machine}` : ''}`;
    case 'configure': {
      const { servers, clients, provider, subnet, vagrant } = e.args;
      const given = [
        servers !== undefined && `${servers} server${servers === 1 ? '' : 's'}`,
        clients !== undefined && `${clients} client${clients === 1 ? '' : 's'}`,
        provider && `${provider} provider${vagrant ? ` (${[vagrant.provider, vagrant.box].filter(Boolean).join(', ')})` : ''}`,
        subnet && `subnet ${subnet}`,
      ];
      return `configure ${given.filter(Boolean).join(', ')}`;
    }
    default:
      return e.op;
  }
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

const VM_ACTION_NAMES = Object.keys(VM_ACTIONS) as VmAction[];

/**
 * The steps the operation will report. Progress events do not carry the operation's arguments: for rejoin and vm,
 * the steps are those of the arguments whose steps include the one reported (its label names the node or machine).
 */
function stepsAhead(e: ProgressEvent, spec: LabSpec): StepDef[] | null {
  if (e.op !== 'rejoin' && e.op !== 'vm') return stepsOf(e.op, spec);
  const candidates =
    e.op === 'rejoin'
      ? spec.nodes.map((n) => ({ node: n.name }))
      : machinesOf(spec).flatMap((machine) => VM_ACTION_NAMES.map((action) => ({ action, machine })));
  const reports = (defs: StepDef[] | null) => !!defs?.some((d) => d.step === e.step && d.label === e.label);
  return candidates.map((args) => stepsOf(e.op, spec, args)).find(reports) ?? null;
}

/** Puts a step in its place: over its own entry, else (a step not in the definition) before the first pending one. */
function place(steps: StepState[], s: StepState): StepState[] {
  const i = steps.findIndex((x) => x.step === s.step);
  if (i >= 0) return steps.map((x, j) => (j === i ? s : x));
  const next = steps.findIndex((x) => x.status === 'pending');
  return next < 0 ? [...steps, s] : [...steps.slice(0, next), s, ...steps.slice(next)];
}

/** A step after an event: a repeated start of a running step only brings its new phase. */
function stepAfter(old: StepState | undefined, e: ProgressEvent): StepState {
  const running = old?.status === 'start';
  if (e.status === 'start') {
    if (running) return { ...old, message: e.message ?? old.message };
    return { step: e.step, label: e.label, status: 'start', startedAt: e.at, elapsedMs: 0, message: e.message };
  }
  const startedAt = old && old.status !== 'pending' ? old.startedAt : e.at;
  return { step: e.step, label: e.label, status: e.status, startedAt, elapsedMs: e.at - startedAt, message: e.message };
}

function applyProgress(prev: OpProgress | null, e: ProgressEvent, spec: LabSpec | undefined): OpProgress {
  let p: OpProgress =
    !prev || prev.op !== e.op || (prev.finished && e.status === 'start')
      ? { op: e.op, startedAt: e.at - e.elapsedMs, endedAt: null, steps: [], defined: false, finished: false, failed: false }
      : prev;
  const ahead = !p.defined && spec ? stepsAhead(e, spec) : null;
  if (ahead) {
    const pending = ahead.map((d): StepState => ({ ...d, status: 'pending', startedAt: 0, elapsedMs: 0 }));
    p = { ...p, defined: true, steps: p.steps.reduce(place, pending) };
  }
  const steps = place(
    p.steps,
    stepAfter(
      p.steps.find((s) => s.step === e.step),
      e,
    ),
  );
  return e.status === 'fail' ? { ...p, steps, finished: true, failed: true, endedAt: e.at } : { ...p, steps };
}

/** The operation in progress ends with its action event. */
function endProgress(p: OpProgress | null, e: ActionEvent): OpProgress | null {
  if (!p || p.finished || p.op !== e.op) return p;
  return { ...p, finished: true, failed: !e.ok, error: e.error, endedAt: e.at };
}

export function reduce(state: LabState, e: LabEvent): LabState {
  const seq = state.seq + 1;
  const item = (kind: TimelineItem['kind'], text: string, tone: TimelineItem['tone'], at: number): TimelineItem[] =>
    cap([...state.timeline, { seq, at, kind, text, tone }], TIMELINE_CAP);
  switch (e.type) {
    case 'snapshot': {
      const s = e.snapshot;
      const sample = { at: s.at, statuses: nodeStatuses(s) };
      return { ...state, seq, connected: true, snapshot: s, history: cap([...state.history, sample], HISTORY_CAP) };
    }
    case 'progress': {
      const progress = applyProgress(state.progress, e, state.snapshot?.lab);
      const failed = `${e.op}: ${e.label} failed${e.message ? `: ${e.message}` : ''}`;
      const timeline = e.status === 'fail' ? item('progress', failed, 'bad', e.at) : state.timeline;
      return { ...state, seq, progress, timeline };
    }
    case 'member':
      return {
        ...state,
        seq,
        timeline: item('member', `${e.name} ${MEMBER_WORDS[e.to]}${e.from ? ` (was ${e.from})` : ''}`, toneOf(e.to), e.at),
      };
    case 'gossip': {
      const [text, tone] = gossipWords(e);
      return { ...state, seq, timeline: item('gossip', text, tone, e.at) };
    }
    case 'leader': {
      const was = e.previous ? ` (was ${e.previous})` : '';
      const text = e.leader ? `leader is now ${e.leader}${was}` : `no leader${was}: quorum lost?`;
      return { ...state, seq, timeline: item('leader', text, e.leader ? 'ok' : 'bad', e.at) };
    }
    case 'action': {
      const what = describeAction(e);
      return {
        ...state,
        seq,
        progress: endProgress(state.progress, e),
        timeline: item('action', e.ok ? `you: ${what}` : `you: ${what} failed: ${e.error ?? ''}`, e.ok ? 'info' : 'bad', e.at),
      };
    }
    case 'greeter-health': {
      const text = `greeter ${e.id} on ${e.node}: ${e.to}${e.from ? ` (was ${e.from})` : ''}`;
      return { ...state, seq, timeline: item('greeter', text, e.to === 'passing' ? 'ok' : e.to === 'critical' ? 'bad' : 'warn', e.at) };
    }
    case 'greeter-instance': {
      const tone = e.change === 'started' ? 'ok' : e.change === 'killed' ? 'bad' : 'info';
      return { ...state, seq, timeline: item('greeter', `greeter ${e.id} on ${e.node} ${e.change}`, tone, e.at) };
    }
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

/** What an agent's log told, in the words of the timeline: who learned what, about whom. */
export function gossipWords(e: GossipEvent): [string, TimelineItem['tone']] {
  const peers = e.confirmations === 1 ? '1 peer confirmed' : `${e.confirmations ?? 0} peers confirmed`;
  switch (e.what) {
    case 'suspect':
      return [`${e.observer} suspects ${e.subject} has failed (no acks)`, 'warn'];
    case 'marked-failed':
      return [`${e.observer} marks ${e.subject} failed: suspicion timed out, ${peers}`, 'bad'];
    case 'failed':
      return [`${e.observer} sees ${e.subject} failed`, 'bad'];
    case 'joined':
      return [`${e.observer} sees ${e.subject} join`, 'ok'];
    case 'left':
      return [`${e.observer} sees ${e.subject} leave`, 'info'];
    case 'refute':
      return [`${e.observer} refutes a suspicion of itself: alive`, 'ok'];
    case 'candidate':
      return [`${e.observer} starts an election (term ${e.term})`, 'warn'];
    case 'elected':
      return [`${e.observer} wins the election (term ${e.term})`, 'ok'];
  }
}
