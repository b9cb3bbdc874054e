/**
 * The xterm.js terminal every terminal view is made of: themed, copy and paste as in desktop terminals, fitted to
 * its box; and a writer that batches output to one write per animation frame, so output never passes through React.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import '@xterm/xterm/css/xterm.css';
import { usePrefs } from '../prefs.js';

export const SCROLLBACK = 5000;
/** Output queued between two frames beyond this is dropped (the terminal could not show it anyway). */
const MAX_PENDING = 512 * 1024;

const DARK: ITheme = { background: '#0f1419', foreground: '#d7dde4', cursor: '#7aa2f7', selectionBackground: '#3b4a66' };
const LIGHT: ITheme = {
  background: '#fbfcfd',
  foreground: '#1f2933',
  cursor: '#2b59c3',
  selectionBackground: '#bcd0f7',
  black: '#1f2933',
  white: '#8894a3',
  brightWhite: '#5b6573',
};

export function useXterm(opts: { convertEol: boolean; readOnly: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const [term, setTerm] = useState<{ t: Terminal; fit: FitAddon; search: SearchAddon } | null>(null);
  const theme = usePrefs((p) => p.theme);
  // The theme a new terminal starts with; a change of theme is applied to the live terminal (below), never by making it anew.
  const startTheme = useRef(theme);

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
      theme: startTheme.current === 'light' ? LIGHT : DARK,
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
        if (!opts.readOnly)
          void navigator.clipboard
            ?.readText()
            .then((s) => t.paste(s))
            .catch(() => undefined);
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
  }, [opts.convertEol, opts.readOnly]);

  useEffect(() => {
    if (term) term.t.options.theme = theme === 'light' ? LIGHT : DARK;
  }, [term, theme]);

  return { ref, term };
}

/** Refits the terminal whenever its box changes size (panel resize, tab shown), at most once a frame. */
export function useFit(
  ref: RefObject<HTMLDivElement | null>,
  term: { t: Terminal; fit: FitAddon } | null,
  onResize?: (cols: number, rows: number) => void,
) {
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
export function frameWriter(write: (data: string) => void) {
  let pending = '';
  let dropped = 0;
  let raf = 0;
  const flush = () => {
    raf = 0;
    let data = pending;
    pending = '';
    if (dropped) {
      data = `\x1b[33m[… ${dropped} characters of output skipped to keep up]\x1b[0m\n${data}`;
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
