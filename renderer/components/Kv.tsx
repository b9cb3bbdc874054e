/** The key/value store as a tree; put, get and delete through a chosen node, naming the agent that served. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { KvEntry } from '../../main/common/types.js';
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
      if (!next) cur.children.set(p, (next = { name: p, path, children: new Map() }));
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

  const put = async () => {
    const r = await run('kvPut', (api) => api.kvPut({ key, value, node }));
    if (r.ok && r.value) {
      setResult({ text: `put ${r.value.key} = ${r.value.value ?? ''}`, servedBy: r.value.servedBy, tone: 'ok' });
      void refresh();
    } else setResult({ text: r.error ?? 'failed', tone: 'bad' });
  };
  const get = async () => {
    const r = await run('kvGet', (api) => api.kvGet({ key, node }));
    if (r.ok && r.value) {
      setResult({ text: `${r.value.key} = ${r.value.value ?? '(null)'}`, servedBy: r.value.servedBy, tone: 'ok' });
      setValue(r.value.value ?? '');
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
        </div>
      </form>
      {result && (
        <div className={`kv-result tone-${result.tone}`} role="status" aria-label="KV result">
          <span className="mono">{result.text}</span>
          {result.servedBy && <span className="muted"> — served by {result.servedBy}</span>}
        </div>
      )}
      <div className="kv-tree" role="tree" aria-label="Keys">
        {tree.children.size === 0 && <div className="muted">{anyUp ? 'no keys' : 'the lab is down'}</div>}
        {[...tree.children.values()].map((c) => (
          <TreeItem key={c.path} node={c} depth={0} onPick={(e) => {
            setKey(e.key);
            setValue(e.value ?? '');
          }} />
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
    <div role="treeitem" aria-expanded={folder ? open : undefined} aria-label={node.path} className="tree-item">
      <div className="tree-row" style={{ paddingLeft: depth * 14 }}>
        {folder ? (
          <button type="button" className="twisty" aria-label={`${open ? 'Collapse' : 'Expand'} ${node.path}`} onClick={() => setOpen(!open)}>
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="twisty-space" />
        )}
        <button type="button" className="link" onClick={() => node.entry && onPick(node.entry)} disabled={!node.entry}>
          {node.name}
          {folder ? '/' : ''}
        </button>
        {node.entry && !folder && <span className="muted mono kv-val">{truncate(node.entry.value ?? '', 40)}</span>}
      </div>
      {folder && open && [...node.children.values()].map((c) => <TreeItem key={c.path} node={c} depth={depth + 1} onPick={onPick} />)}
    </div>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
