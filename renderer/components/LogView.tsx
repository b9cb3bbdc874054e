/**
 * Read-only logs in xterm.js: a node's agent output and a VM's vagrant output, each its recent tail on open,
 * then live output; searchable, and filterable by text (and by level, for the agent).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { lab, onLog, onMachineLog } from '../bus.js';
import { frameWriter, SCROLLBACK, useFit, useXterm } from './xterm.js';

/** Agent output kept for filtering: the same bound as the scrollback. */
const RING_LINES = SCROLLBACK;
/** The recent output a log view shows on open. */
const TAIL_BYTES = 128 * 1024;

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
    () => ({
      tail: (bytes) =>
        lab()
          .logTail({ node, bytes })
          .then((r) => r.data),
      follow: (l) => onLog(node, l),
    }),
    [node],
  );
  return <LogView name={`${node} agent`} source={source} levels visible={visible} />;
}

/** What vagrant prints for the VM (up, halt, reload, provision, destroy), searchable and filterable by text. */
export function MachineLog({ machine, visible }: { machine: string; visible: boolean }) {
  const source = useMemo<LogSource>(
    () => ({
      tail: (bytes) =>
        lab()
          .machineLogTail({ machine, bytes })
          .then((r) => r.data),
      follow: (l) => onMachineLog(machine, l),
    }),
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
        if (keep.length) writer.push(`${keep.join('\n')}\n`);
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
    if (lines.length) term.t.write(`${lines.join('\n')}\n`);
  }, [term, filter, level]);

  const find = (dir: 'next' | 'prev') => {
    if (!term || !query) return;
    const decorations = {
      matchOverviewRuler: '#e0af68',
      activeMatchColorOverviewRuler: '#f7768e',
      matchBackground: '#6b5a1e',
      activeMatchBackground: '#b3541e',
    };
    const opts = { caseSensitive: false, decorations };
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
