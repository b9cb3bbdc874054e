/**
 * The one subscription to the lab's event stream. State events are queued and applied to the store once
 * per animation frame (so a burst costs one render); agent output, vagrant's output and terminal data go
 * straight to the terminal that shows them, never through React.
 */
import type { LabApi } from '../main/common/contract.js';
import type { LabEvent } from '../main/common/types.js';
import { labStore, pendingStore } from './store.js';

type LogListener = (data: string) => void;
type TermListener = { data(data: string): void; exit(code: number | null): void };

const logListeners = new Map<string, Set<LogListener>>();
const machineLogListeners = new Map<string, Set<LogListener>>();
const termListeners = new Map<string, TermListener>();

let api: LabApi | null = null;
let queue: LabEvent[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  // Only the last snapshot of a burst matters for the state of record; keep every other event.
  let lastSnap = -1;
  for (let i = batch.length - 1; i >= 0; i--) {
    if (batch[i]!.type === 'snapshot') {
      lastSnap = i;
      break;
    }
  }
  const kept = batch.filter((e, i) => e.type !== 'snapshot' || i === lastSnap);
  if (kept.length) labStore.getState().ingestMany(kept);
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') requestAnimationFrame(flush);
  else setTimeout(flush, 16);
}

export function dispatch(e: LabEvent): void {
  switch (e.type) {
    case 'log':
      publish(logListeners, e.node, e.data);
      return;
    case 'machine-log':
      publish(machineLogListeners, e.machine, e.data);
      return;
    case 'term-data':
      termListeners.get(e.id)?.data(e.data);
      return;
    case 'term-exit':
      termListeners.get(e.id)?.exit(e.code);
      return;
    default:
      queue.push(e);
      schedule();
  }
}

export function attach(a: LabApi): () => void {
  api = a;
  return a.onEvent(dispatch);
}

export function lab(): LabApi {
  if (!api) throw new Error('not connected to the lab');
  return api;
}

function publish(listeners: Map<string, Set<LogListener>>, key: string, data: string): void {
  const ls = listeners.get(key);
  if (ls) for (const l of ls) l(data);
}

function subscribe(listeners: Map<string, Set<LogListener>>, key: string, l: LogListener): () => void {
  const set = listeners.get(key) ?? new Set<LogListener>();
  listeners.set(key, set);
  set.add(l);
  return () => set.delete(l);
}

/** A node's agent output. */
export function onLog(node: string, l: LogListener): () => void {
  return subscribe(logListeners, node, l);
}

/** What vagrant prints for a VM. */
export function onMachineLog(machine: string, l: LogListener): () => void {
  return subscribe(machineLogListeners, machine, l);
}

export function onTerm(id: string, l: TermListener): () => void {
  termListeners.set(id, l);
  return () => {
    if (termListeners.get(id) === l) termListeners.delete(id);
  };
}

export interface RunResult<T> {
  ok: boolean;
  value?: T;
  error?: string;
}

/** Runs an operation, marking `key` busy meanwhile; errors come back as plain words rather than throws. */
export async function run<T>(key: string, call: (api: LabApi) => Promise<T>): Promise<RunResult<T>> {
  const p = pendingStore.getState();
  p.set(key, true);
  try {
    return { ok: true, value: await call(lab()) };
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    notify(msg, 'bad');
    return { ok: false, error: msg };
  } finally {
    p.set(key, false);
  }
}

// ---- toasts: transient words about the user's own clicks (UI state, not lab state) ----------------------

export interface Toast {
  id: number;
  text: string;
  tone: 'ok' | 'bad' | 'info';
}
type ToastListener = (toasts: Toast[]) => void;
let toasts: Toast[] = [];
let toastSeq = 0;
const toastListeners = new Set<ToastListener>();

export function notify(text: string, tone: Toast['tone'] = 'info'): void {
  const t = { id: ++toastSeq, text, tone };
  toasts = [...toasts.slice(-3), t];
  for (const l of toastListeners) l(toasts);
  setTimeout(
    () => {
      toasts = toasts.filter((x) => x.id !== t.id);
      for (const l of toastListeners) l(toasts);
    },
    tone === 'bad' ? 9000 : 4000,
  );
}

export function onToasts(l: ToastListener): () => void {
  toastListeners.add(l);
  l(toasts);
  return () => toastListeners.delete(l);
}
