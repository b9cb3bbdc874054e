/**
 * xterm.js views: a node's agent output and a VM's vagrant output (read-only, searchable, filterable) and a node's
 * interactive shell. Output never passes through React: it is written to xterm at most once per animation frame.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import '@xterm/xterm/css/xterm.css';
import { lab, onLog, onMachineLog, onTerm } from '../bus.js';
import { usePrefs } from '../prefs.js';

export const SCROLLBACK = 5000;
/** Agent output kept for filtering: the same bound as the scrollback. */
const RING_LINES = SCROLLBACK;
/** Output queued between two frames beyond this is dropped (the terminal could not show it anyway). */
const MAX_PENDING = 512 * 1024;
/** The recent output a log view shows on open. */
const TAIL_BYTES = 128 * 1024;

const DARK: ITheme = { background: '#0f1419', foreground: '#d7dde4', cursor: '#7aa2f7', selectionBackground: '#3b4a66' };
const LIGHT: ITheme = { background: '#fbfcfd', foreground: '#1f2933', cursor: '#2b59c3', selectionBackground: '#bcd0f7', black: '#1f2933', white: '#8894a3', brightWhite: '#5b6573' };

function useXterm(opts: { convertEol: boolean; readOnly: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const [term, setTerm] = useState<{ t: Terminal; fit: FitAddon; search: SearchAddon } | null>(null);
  const theme = usePrefs((p) => p.theme);

  useEffect(() => {
    const el = ref.current!;
    const t = new Terminal({
      convertEol: opts.convertEol,
      disableStdin: opts.readOnly,
      cursorBlink: !opts.readOnly,
      cursorStyle: opts.readOnly ? 'underline' : 'block',
      scrollback: SCROLLBACK,
      fontSize: 12,
      fontFamily: 'ui-monospace, "JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      allowProposedApi: true,
      theme: theme === 'light' ? LIGHT : DARK,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    t.loadAddon(fit);
    t.loadAddon(search);
    t.open(el);
    // Copy and paste as in desktop terminals: Ctrl+Shift+C / Ctrl+Shift+V (Cmd+C / Cmd+V on macOS).
    t.attachCustomKeyEventHandler((ev) => {
      if (ev.type !== 'keydown') return true;
      const mod = (ev.ctrlKey && ev.shiftKey) || ev.metaKey;
      if (mod && ev.code === 'KeyC' && t.hasSelection()) {
        void navigator.clipboard?.writeText(t.getSelection()).catch(() => undefined);
        ev.preventDefault();
        return false;
      }
      if (mod && ev.code === 'KeyV') {
        if (!opts.readOnly) void navigator.clipboard?.readText().then((s) => t.paste(s)).catch(() => undefined);
        ev.preventDefault();
        return false;
      }
      return true;
    });
    setTerm({ t, fit, search });
    return () => {
      t.dispose();
      setTerm(null);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (term) term.t.options.theme = theme === 'light' ? LIGHT : DARK;
  }, [term, theme]);

  return { ref, term };
}

/** Refits the terminal whenever its box changes size (panel resize, tab shown), at most once a frame. */
function useFit(ref: React.RefObject<HTMLDivElement | null>, term: { t: Terminal; fit: FitAddon } | null, onResize?: (cols: number, rows: number) => void) {
  useEffect(() => {
    if (!term || !ref.current) return;
    let raf = 0;
    const refit = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => {
        const el = ref.current;
        if (!el || el.offsetParent === null || el.clientWidth < 20 || el.clientHeight < 20) return;
        const before = `${term.t.cols}x${term.t.rows}`;
        try {
          term.fit.fit();
        } catch {
          return;
        }
        if (`${term.t.cols}x${term.t.rows}` !== before) onResize?.(term.t.cols, term.t.rows);
      });
    };
    const ro = new ResizeObserver(refit);
    ro.observe(ref.current);
    refit();
    return () => {
      ro.disconnect();
      cancelAnimationFrame(raf);
    };
  }, [ref, term, onResize]);
}

/** A frame-batched writer: everything pushed between two frames becomes one write. */
function frameWriter(write: (data: string) => void) {
  let pending = '';
  let dropped = 0;
  let raf = 0;
  const flush = () => {
    raf = 0;
    let data = pending;
    pending = '';
    if (dropped) {
      data = `\x1b[33m[… ${dropped} characters of output skipped to keep up]\x1b[0m\n` + data;
      dropped = 0;
    }
    if (data) write(data);
  };
  return {
    push(d: string) {
      pending += d;
      if (pending.length > MAX_PENDING) {
        const cut = pending.length - MAX_PENDING / 2;
        dropped += cut;
        pending = pending.slice(cut);
      }
      if (!raf) raf = document.hidden ? (setTimeout(flush, 100) as unknown as number) : requestAnimationFrame(flush);
    },
    dispose() {
      if (raf) cancelAnimationFrame(raf);
      pending = '';
    },
  };
}

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
type Level = (typeof LEVELS)[number] | 'ALL';

function levelOf(line: string): number {
  const m = /\[(TRACE|DEBUG|INFO|WARN|ERROR)\]/.exec(line);
  return m ? LEVELS.indexOf(m[1] as (typeof LEVELS)[number]) : -1;
}

function lineMatches(line: string, text: string, level: Level): boolean {
  if (level !== 'ALL') {
    const l = levelOf(line);
    if (l >= 0 && l < LEVELS.indexOf(level)) return false;
  }
  return !text || line.toLowerCase().includes(text);
}

/** Where a log view's output comes from: its recent tail, then live output. */
interface LogSource {
  tail(bytes: number): Promise<string>;
  follow(listener: (data: string) => void): () => void;
}

/** The agent's live output, searchable and filterable by text and level. */
export function AgentLog({ node, visible }: { node: string; visible: boolean }) {
  const source = useMemo<LogSource>(
    () => ({ tail: (bytes) => lab().logTail({ node, bytes }).then((r) => r.data), follow: (l) => onLog(node, l) }),
    [node],
  );
  return <LogView name={`${node} agent`} source={source} levels visible={visible} />;
}

/** What vagrant prints for the VM (up, halt, reload, provision, destroy), searchable and filterable by text. */
export function MachineLog({ machine, visible }: { machine: string; visible: boolean }) {
  const source = useMemo<LogSource>(
    () => ({ tail: (bytes) => lab().machineLogTail({ machine, bytes }).then((r) => r.data), follow: (l) => onMachineLog(machine, l) }),
    [machine],
  );
  return <LogView name={`${machine} machine`} source={source} levels={false} visible={visible} />;
}

/** A read-only log: the recent tail on open, then live output; searchable and filterable. */
function LogView({ name, source, levels, visible }: { name: string; source: LogSource; levels: boolean; visible: boolean }) {
  const { ref, term } = useXterm({ convertEol: true, readOnly: true });
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState('');
  const [level, setLevel] = useState<Level>('ALL');
  const [found, setFound] = useState<string>('');
  const ring = useRef<{ lines: string[]; carry: string }>({ lines: [], carry: '' });
  const filterRef = useRef({ text: '', level: 'ALL' as Level });
  useFit(ref, term);

  useEffect(() => {
    if (!term) return;
    const r = ring.current;
    const writer = frameWriter((d) => term.t.write(d));
    const take = (data: string) => {
      const text = r.carry + data;
      const parts = text.split('\n');
      r.carry = parts.pop() ?? '';
      if (parts.length) {
        r.lines.push(...parts);
        if (r.lines.length > RING_LINES) r.lines.splice(0, r.lines.length - RING_LINES);
      }
      const f = filterRef.current;
      if (!f.text && f.level === 'ALL') writer.push(data);
      else {
        const keep = parts.filter((l) => lineMatches(l, f.text, f.level));
        if (keep.length) writer.push(keep.join('\n') + '\n');
      }
    };
    let live = true;
    const buffered: string[] = [];
    let tailDone = false;
    const off = source.follow((d) => (tailDone ? take(d) : buffered.push(d)));
    source
      .tail(TAIL_BYTES)
      .then((data) => {
        if (!live) return;
        // Start at a line boundary.
        const start = data.length >= TAIL_BYTES ? data.indexOf('\n') + 1 : 0;
        take(data.slice(start));
      })
      .catch(() => undefined)
      .finally(() => {
        tailDone = true;
        for (const d of buffered.splice(0)) take(d);
      });
    return () => {
      live = false;
      off();
      writer.dispose();
    };
  }, [term, source]);

  // Re-render the view from the ring whenever the filter changes.
  useEffect(() => {
    if (!term) return;
    const text = filter.trim().toLowerCase();
    const prev = filterRef.current;
    if (prev.text === text && prev.level === level) return;
    filterRef.current = { text, level };
    term.t.reset();
    const lines = ring.current.lines.filter((l) => lineMatches(l, text, level));
    if (lines.length) term.t.write(lines.join('\n') + '\n');
  }, [term, filter, level]);

  const find = (dir: 'next' | 'prev') => {
    if (!term || !query) return;
    const opts = { caseSensitive: false, decorations: { matchOverviewRuler: '#e0af68', activeMatchColorOverviewRuler: '#f7768e', matchBackground: '#6b5a1e', activeMatchBackground: '#b3541e' } };
    const ok = dir === 'next' ? term.search.findNext(query, opts) : term.search.findPrevious(query, opts);
    setFound(ok ? '' : 'not found');
  };

  return (
    <div className="term-pane" hidden={!visible}>
      <div className="term-tools" role="toolbar" aria-label={`${name} log tools`}>
        <input
          type="search"
          aria-label="Search log"
          placeholder="Search log"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') find(e.shiftKey ? 'prev' : 'next');
          }}
        />
        <button type="button" className="small" onClick={() => find('prev')} title="Previous match (Shift+Enter)">
          Prev
        </button>
        <button type="button" className="small" onClick={() => find('next')} title="Next match (Enter)">
          Next
        </button>
        {found && <span className="muted">{found}</span>}
        <span className="spacer" />
        <input type="text" aria-label="Filter log" placeholder="Filter lines" value={filter} onChange={(e) => setFilter(e.target.value)} />
        {levels && (
          <select aria-label="Log level" value={level} onChange={(e) => setLevel(e.target.value as Level)}>
            <option value="ALL">all levels</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l.toLowerCase()}+
              </option>
            ))}
          </select>
        )}
        <button type="button" className="small" onClick={() => term?.t.clear()}>
          Clear
        </button>
      </div>
      <div className="term" ref={ref} aria-label={`${name} output`} role="log" />
    </div>
  );
}

let termSeq = 0;
const session = Math.random().toString(36).slice(2, 8);

/** An interactive shell on the node (in local mode, with CONSUL_HTTP_ADDR pointing at the node's agent). */
export function Shell({ node, visible }: { node: string; visible: boolean }) {
  const { ref, term } = useXterm({ convertEol: false, readOnly: false });
  const [state, setState] = useState<'opening' | 'open' | 'exited' | 'error'>('opening');
  const [generation, setGeneration] = useState(0);
  const idRef = useRef<string | null>(null);
  const resize = useRef<(c: number, r: number) => void>(() => undefined);
  const onResize = useRef((c: number, r: number) => resize.current(c, r)).current;
  useFit(ref, term, onResize);

  useEffect(() => {
    if (!term) return;
    const t = term.t;
    const id = `sh-${session}-${node}-${++termSeq}`.slice(0, 64);
    idRef.current = id;
    let opened = false;
    let unacked = 0;
    let ackTimer = 0;
    const sendAck = () => {
      ackTimer = 0;
      const n = unacked;
      unacked = 0;
      if (n) void lab().termAck({ id, bytes: n }).catch(() => undefined);
    };
    const off = onTerm(id, {
      data: (d) =>
        t.write(d, () => {
          unacked += d.length;
          if (unacked > 16 * 1024) sendAck();
          else if (!ackTimer) ackTimer = window.setTimeout(sendAck, 30);
        }),
      exit: (code) => {
        t.write(`\r\n\x1b[90m[shell exited${code !== null ? ` with code ${code}` : ''}]\x1b[0m\r\n`);
        opened = false;
        setState('exited');
      },
    });
    const input = t.onData((d) => {
      if (opened) void lab().termWrite({ id, data: d }).catch(() => undefined);
    });
    resize.current = (cols, rows) => {
      if (opened) void lab().termResize({ id, cols, rows }).catch(() => undefined);
    };
    try {
      term.fit.fit();
    } catch {
      /* not laid out yet */
    }
    lab()
      .termOpen({ id, node, cols: Math.max(20, t.cols), rows: Math.max(5, t.rows) })
      .then(() => {
        opened = true;
        setState('open');
        if (visible) t.focus();
      })
      .catch((err: Error) => {
        t.write(`\x1b[31mcould not open a shell on ${node}: ${err.message}\x1b[0m\r\n`);
        setState('error');
      });
    return () => {
      off();
      input.dispose();
      if (ackTimer) clearTimeout(ackTimer);
      if (opened) void lab().termClose({ id }).catch(() => undefined);
      opened = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [term, node, generation]);

  useEffect(() => {
    if (visible && term) term.t.focus();
  }, [visible, term]);

  return (
    <div className="term-pane" hidden={!visible}>
      <div className="term-tools" role="toolbar" aria-label={`${node} shell tools`}>
        <span className="muted">
          {state === 'opening' ? 'opening…' : state === 'open' ? 'Ctrl+Shift+C copy · Ctrl+Shift+V paste' : state === 'exited' ? 'shell exited' : 'no shell'}
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="small"
          onClick={() => {
            if (term?.t.hasSelection()) void navigator.clipboard?.writeText(term.t.getSelection()).catch(() => undefined);
          }}
        >
          Copy
        </button>
        <button
          type="button"
          className="small"
          onClick={() => {
            void navigator.clipboard
              ?.readText()
              .then((s) => term?.t.paste(s))
              .catch(() => undefined);
            term?.t.focus();
          }}
        >
          Paste
        </button>
        {(state === 'exited' || state === 'error') && (
          <button
            type="button"
            className="small"
            onClick={() => {
              term?.t.reset();
              setState('opening');
              setGeneration((g) => g + 1);
            }}
          >
            New shell
          </button>
        )}
      </div>
      <div className="term" ref={ref} aria-label={`${node} shell`} />
    </div>
  );
}
