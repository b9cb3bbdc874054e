/** A node's interactive shell in xterm.js, with acknowledged output (flow control) and copy and paste. */
import { useEffect, useRef, useState } from 'react';
import { lab, onTerm } from '../bus.js';
import { useFit, useXterm } from './xterm.js';

const STATE_WORDS = { opening: 'opening…', open: 'Ctrl+Shift+C copy · Ctrl+Shift+V paste', exited: 'shell exited', error: 'no shell' };

let termSeq = 0;
const session = Math.random().toString(36).slice(2, 8);

/** An interactive shell on the node (in local mode, with CONSUL_HTTP_ADDR pointing at the node's agent). */
export function Shell({ node, visible }: { node: string; visible: boolean }) {
  const { ref, term } = useXterm({ convertEol: false, readOnly: false });
  const [state, setState] = useState<keyof typeof STATE_WORDS>('opening');
  const [generation, setGeneration] = useState(0);
  const idRef = useRef<string | null>(null);
  // Read when the shell has opened: whether to focus it then.
  const shown = useRef(visible);
  const resize = useRef<(c: number, r: number) => void>(() => undefined);
  const onResize = useRef((c: number, r: number) => resize.current(c, r)).current;
  useFit(ref, term, onResize);

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is what New shell changes: each value opens a new shell
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
      if (n)
        void lab()
          .termAck({ id, bytes: n })
          .catch(() => undefined);
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
      if (opened)
        void lab()
          .termWrite({ id, data: d })
          .catch(() => undefined);
    });
    resize.current = (cols, rows) => {
      if (opened)
        void lab()
          .termResize({ id, cols, rows })
          .catch(() => undefined);
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
        if (shown.current) t.focus();
      })
      .catch((err: Error) => {
        t.write(`\x1b[31mcould not open a shell on ${node}: ${err.message}\x1b[0m\r\n`);
        setState('error');
      });
    return () => {
      off();
      input.dispose();
      if (ackTimer) clearTimeout(ackTimer);
      if (opened)
        void lab()
          .termClose({ id })
          .catch(() => undefined);
      opened = false;
    };
  }, [term, node, generation]);

  useEffect(() => {
    shown.current = visible;
    if (visible && term) term.t.focus();
  }, [visible, term]);

  return (
    <div className="term-pane" hidden={!visible}>
      <div className="term-tools" role="toolbar" aria-label={`${node} shell tools`}>
        <span className="muted">{STATE_WORDS[state]}</span>
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
      <div className="term" ref={ref} role="application" aria-label={`${node} shell`} />
    </div>
  );
}
