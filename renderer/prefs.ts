/** The window's own preferences (theme, layout, last lab), remembered in localStorage. Not lab state. */
import { createStore, useStore } from 'zustand';

export type Theme = 'dark' | 'light';
/** A node panel's terminals: the agent's output, a shell, vagrant's output for the node's VM. */
export type TermTab = 'agent' | 'shell' | 'machine';

export interface Prefs {
  theme: Theme;
  /** The last lab directory this window showed. */
  lastLab: string | null;
  /** Which terminal tab each node panel shows. */
  tabs: Record<string, TermTab>;
  /** Height in pixels of each node's terminal area. */
  termHeights: Record<string, number>;
  /** Collapsed sections by id. */
  collapsed: Record<string, boolean>;
  /** The agent the members table is seen from ('' = the lab's own choice). */
  membersFrom: string;
  /** The node KV and Greeter requests go through ('' = the lab's own choice). */
  kvVia: string;
  greeterVia: string;
}

const KEY = 'consul-lab.prefs.v1';

const defaults: Prefs = {
  theme: typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark',
  lastLab: null,
  tabs: {},
  termHeights: {},
  collapsed: {},
  membersFrom: '',
  kvVia: '',
  greeterVia: '',
};

function load(): Prefs {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return defaults;
    const p = JSON.parse(raw) as Partial<Prefs>;
    return { ...defaults, ...p, theme: p.theme === 'light' ? 'light' : p.theme === 'dark' ? 'dark' : defaults.theme };
  } catch {
    return defaults;
  }
}

export const prefsStore = createStore<Prefs & { update(p: Partial<Prefs>): void }>()((set, get) => ({
  ...load(),
  update: (p) => {
    set(p);
    const { update: _u, ...rest } = get();
    void _u;
    try {
      localStorage.setItem(KEY, JSON.stringify(rest));
    } catch {
      /* private mode: nothing remembered */
    }
  },
}));

export function usePrefs<T>(select: (p: Prefs & { update(p: Partial<Prefs>): void }) => T): T {
  return useStore(prefsStore, select);
}

export function updatePrefs(p: Partial<Prefs>): void {
  prefsStore.getState().update(p);
}
