/**
 * The key/value store as a tree; put, get and delete through a chosen node, naming the agent that served.
 * Values are bytes: text is edited as text, a binary value is shown as hex and base64, and a file can be uploaded.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { KV_MAX_VALUE_BYTES, checkKvSize } from '../../main/common/names.js';
import type { KvEntry, KvValue } from '../../main/common/types.js';
import { run } from '../bus.js';
import { useLab, useBusy } from '../store.js';
import { updatePrefs, usePrefs } from '../prefs.js';
import { NodeSelect, Section } from './common.js';

interface TreeNode {
  name: string;
  path: string;
  entry?: KvEntry;
  children: Map<string, TreeNode>;
}

function buildTree(entries: KvEntry[]): TreeNode {
  const root: TreeNode = { name: '', path: '', children: new Map() };
  for (const e of entries) {
    const parts = e.key.split('/');
    let cur = root;
    let path = '';
    parts.forEach((p, i) => {
      if (p === '' && i === parts.length - 1) {
        cur.entry = e; // a "folder/" key
        return;
      }
      path += (i ? '/' : '') + p;
      let next = cur.children.get(p);
      if (!next) {
        next = { name: p, path, children: new Map() };
        cur.children.set(p, next);
      }
      cur = next;
    });
    if (!e.key.endsWith('/')) cur.entry = e;
  }
  return root;
}

export function KvPanel() {
  const nodes = useLab((s) => s.snapshot?.nodes);
  const anyUp = !!nodes?.some((n) => n.process === 'running');
  const via = usePrefs((p) => p.kvVia);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [entries, setEntries] = useState<KvEntry[]>([]);
  const [listedBy, setListedBy] = useState('');
  const [result, setResult] = useState<{ text: string; servedBy?: string; tone: 'ok' | 'bad' } | null>(null);
  /** The binary value last read or picked, shown as bytes. */
  const [binary, setBinary] = useState<KvValue | null>(null);
  const busyList = useBusy('kvList');

  const refresh = useCallback(async () => {
    const r = await run('kvList', (api) => api.kvList({ node: via || undefined }));
    if (r.ok && r.value) {
      setEntries(r.value.entries);
      setListedBy(r.value.servedBy);
    }
  }, [via]);

  useEffect(() => {
    if (anyUp) void refresh();
  }, [anyUp, refresh]);

  const tree = useMemo(() => buildTree(entries), [entries]);
  const node = via || undefined;

  /** A value read or picked: text into the Value field, binary into the bytes view. */
  const show = (v: KvValue) => {
    setBinary(v.binary ? v : null);
    setValue(v.binary ? '' : (v.value ?? ''));
  };
  const put = async () => {
    const r = await run('kvPut', (api) => api.kvPut({ key, value, node }));
    if (r.ok && r.value) {
      setResult({ text: `put ${r.value.key} = ${r.value.value ?? ''}`, servedBy: r.value.servedBy, tone: 'ok' });
      setBinary(null);
      void refresh();
    } else setResult({ text: r.error ?? 'failed', tone: 'bad' });
  };
  const upload = async (file: File) => {
    try {
      checkKvSize(file.size);
    } catch (err) {
      setResult({ text: `${file.name}: ${(err as Error).message}`, tone: 'bad' });
      return;
    }
    const base64 = toBase64(new Uint8Array(await file.arrayBuffer()));
    const r = await run('kvPut', (api) => api.kvPut({ key, base64, node }));
    if (r.ok && r.value) {
      setResult({ text: `put ${r.value.key} = ${file.name} (${r.value.bytes} bytes)`, servedBy: r.value.servedBy, tone: 'ok' });
      show({ value: r.value.value, base64, bytes: r.value.bytes, binary: r.value.binary });
      void refresh();
    } else setResult({ text: r.error ?? 'failed', tone: 'bad' });
  };
  const get = async () => {
    const r = await run('kvGet', (api) => api.kvGet({ key, node }));
    if (r.ok && r.value) {
      const v = r.value;
      setResult({ text: `${v.key} = ${v.binary ? `(binary, ${v.bytes} bytes)` : (v.value ?? '')}`, servedBy: v.servedBy, tone: 'ok' });
      show({ value: v.value, base64: v.base64 ?? '', bytes: v.bytes, binary: v.binary });
    } else setResult({ text: r.error ?? 'failed', tone: 'bad' });
  };
  const del = async () => {
    const r = await run('kvDelete', (api) => api.kvDelete({ key, node }));
    if (r.ok && r.value) {
      setResult({ text: `deleted ${r.value.key}`, servedBy: r.value.servedBy, tone: 'ok' });
      void refresh();
    } else setResult({ text: r.error ?? 'failed', tone: 'bad' });
  };
  const busyPut = useBusy('kvPut');
  const busyGet = useBusy('kvGet');
  const busyDel = useBusy('kvDelete');
  const busy = busyPut || busyGet || busyDel;

  return (
    <Section
      id="kv"
      title="Key/Value"
      extra={
        <button type="button" className="small" onClick={() => void refresh()} disabled={!anyUp || busyList}>
          Refresh
        </button>
      }
    >
      <form
        className="kv-form"
        onSubmit={(e) => {
          e.preventDefault();
          void put();
        }}
      >
        <label>
          <span>Key</span>
          <input id="kv-key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="e.g. hello" spellCheck={false} />
        </label>
        <label>
          <span>Value</span>
          <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="e.g. world" spellCheck={false} />
        </label>
        <NodeSelect label="Through" value={via} nodes={nodes} onChange={(v) => updatePrefs({ kvVia: v })} />
        <div className="kv-buttons">
          <button type="submit" className="primary" disabled={!key || busy}>
            Put
          </button>
          <button type="button" disabled={!key || busy} onClick={() => void get()}>
            Get
          </button>
          <button type="button" className="danger" disabled={!key || busy} onClick={() => void del()}>
            Delete
          </button>
          <label title={`Put a file's bytes (at most ${KV_MAX_VALUE_BYTES / 1024} KiB) at the key`}>
            <span>Upload file</span>
            <input
              type="file"
              disabled={!key || busy}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void upload(file);
              }}
            />
          </label>
        </div>
      </form>
      {result && (
        <div className={`kv-result tone-${result.tone}`} role="status" aria-label="KV result">
          <span className="mono">{result.text}</span>
          {result.servedBy && <span className="muted"> — served by {result.servedBy}</span>}
        </div>
      )}
      {binary && <BytesView value={binary} />}
      <div className="kv-tree" role="tree" aria-label="Keys">
        {tree.children.size === 0 && <div className="muted">{anyUp ? 'no keys' : 'the lab is down'}</div>}
        {[...tree.children.values()].map((c) => (
          <TreeItem
            key={c.path}
            node={c}
            depth={0}
            onPick={(e) => {
              setKey(e.key);
              show(e);
            }}
          />
        ))}
      </div>
      {listedBy && <div className="muted small-text">listed through {listedBy}</div>}
    </Section>
  );
}

function TreeItem({ node, depth, onPick }: { node: TreeNode; depth: number; onPick(e: KvEntry): void }) {
  const [open, setOpen] = useState(true);
  const folder = node.children.size > 0;
  return (
    <div role="treeitem" tabIndex={-1} aria-expanded={folder ? open : undefined} aria-label={node.path} className="tree-item">
      <div className="tree-row" style={{ paddingLeft: depth * 14 }}>
        {folder ? (
          <button
            type="button"
            className="twisty"
            aria-label={`${open ? 'Collapse' : 'Expand'} ${node.path}`}
            onClick={() => setOpen(!open)}
          >
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="twisty-space" />
        )}
        <button type="button" className="link" onClick={() => node.entry && onPick(node.entry)} disabled={!node.entry}>
          {node.name}
          {folder ? '/' : ''}
        </button>
        {node.entry && !folder && (
          <span className="muted mono kv-val">
            {node.entry.binary ? `(binary, ${node.entry.bytes} bytes)` : truncate(node.entry.value ?? '', 40)}
          </span>
        )}
      </div>
      {folder && open && [...node.children.values()].map((c) => <TreeItem key={c.path} node={c} depth={depth + 1} onPick={onPick} />)}
    </div>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The hex view shows the first bytes only; base64 holds them all. */
const HEX_SHOWN = 1024;

/** A binary value: its size, a hex dump of its first bytes (with their printable ASCII), and all of it as base64. */
function BytesView({ value }: { value: KvValue }) {
  const shown = useMemo(() => fromBase64(value.base64.slice(0, Math.ceil(HEX_SHOWN / 3) * 4)).subarray(0, HEX_SHOWN), [value.base64]);
  return (
    <section className="kv-result" aria-label="Binary value">
      <div className="muted">
        binary value, {value.bytes} bytes{value.bytes > HEX_SHOWN ? ` (hex of the first ${HEX_SHOWN})` : ''}
      </div>
      <pre className="mono" style={{ overflowX: 'auto' }}>
        {hexDump(shown)}
      </pre>
      <label>
        <span className="muted">Base64</span>
        <textarea className="mono" readOnly rows={2} value={value.base64} style={{ width: '100%' }} />
      </label>
    </section>
  );
}

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = [...bytes.subarray(at, at + 16)];
    const hex = row.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let at = 0; at < bytes.length; at += 0x8000) bin += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(bin);
}

function fromBase64(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
