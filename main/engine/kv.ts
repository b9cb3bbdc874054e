/**
 * The lab's KV store: keys checked and sent as percent-encoded path segments (so they address only /v1/kv/),
 * values kept as bytes end to end, and "no leader" answers turned into the plain quorum message.
 */
import { InputError, checkKvKey, checkKvPrefix, checkKvSize } from '../common/names.js';
import type { KvEntry, KvResult, KvValue, LabEvent, Member } from '../common/types.js';
import { quorumMessage, readMembers } from './cluster/members.js';
import { type AgentClient, ConsulHttpError } from './consul/http.js';

/** What KV needs of the lab. */
export interface KvHost {
  /** The agent a request goes through: the one named, else the lab's choice. */
  agent(node?: string): Promise<AgentClient>;
  emit(e: LabEvent): void;
  /** The lab's agents whose process is not running: serf takes seconds to see them failed. */
  down(): Promise<string[]>;
}

type Row = { Key: string; Value: string | null; ModifyIndex: number };

const TIMEOUT = { timeoutMs: 10_000 };
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class LabKv {
  constructor(private readonly host: KvHost) {}

  async put(key: string, value: string | Uint8Array, node?: string): Promise<KvResult> {
    checkKvKey(key);
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    checkKvSize(bytes.length);
    const agent = await this.host.agent(node);
    const ok = await agent.put(kvPath(key), { ...TIMEOUT, body: bytes }).catch((e) => this.explain(agent, e));
    if (ok.trim() !== 'true') throw new Error(`Consul refused to write ${key} (answer: ${ok.trim()})`);
    this.host.emit({ type: 'action', op: 'kvPut', args: { key, node: agent.agent }, ok: true, at: Date.now() });
    return { key, ...describe(bytes), servedBy: agent.agent };
  }

  async get(key: string, node?: string): Promise<KvResult> {
    checkKvKey(key);
    const agent = await this.host.agent(node);
    const rows = await agent.get<Row[]>(kvPath(key), TIMEOUT).catch((e) => this.explain(agent, e));
    if (!rows?.length) throw new InputError(`no key exists at: ${key} (read through ${agent.agent})`);
    return { key, ...describe(fromBase64(rows[0]!.Value)), servedBy: agent.agent };
  }

  async delete(key: string, node?: string): Promise<KvResult> {
    checkKvKey(key);
    const agent = await this.host.agent(node);
    await agent.del(kvPath(key), TIMEOUT).catch((e) => this.explain(agent, e));
    this.host.emit({ type: 'action', op: 'kvDelete', args: { key, node: agent.agent }, ok: true, at: Date.now() });
    return { key, value: null, base64: null, bytes: 0, binary: false, servedBy: agent.agent };
  }

  async list(prefix?: string, node?: string): Promise<{ servedBy: string; entries: KvEntry[] }> {
    const p = checkKvPrefix(prefix);
    const agent = await this.host.agent(node);
    const rows = await agent.get<Row[]>(kvPath(p), { ...TIMEOUT, query: { recurse: true } }).catch((e) => this.explain(agent, e));
    const entries = (rows ?? []).map((r) => ({ key: r.Key, ...describe(fromBase64(r.Value)), modifyIndex: r.ModifyIndex }));
    return { servedBy: agent.agent, entries };
  }

  /** "No leader" in Consul's words, as the quorum it means; servers whose agent is down count as failed at once. */
  private async explain(agent: AgentClient, err: unknown): Promise<never> {
    if (!(err instanceof ConsulHttpError && err.noLeader)) throw err;
    const [members, down] = await Promise.all([readMembers(agent).catch(() => [] as Member[]), this.host.down()]);
    const known = members.map((m) => (down.includes(m.name) && m.status === 'alive' ? { ...m, status: 'failed' as const } : m));
    const servers = known.filter((m) => m.role === 'server' && m.status !== 'left');
    const alive = servers.filter((m) => m.status === 'alive').length;
    if (servers.length && alive > servers.length / 2) {
      const count = `${alive} of ${servers.length} servers alive`;
      throw new Error(`no cluster leader at the moment (${count}): the servers are electing one; try again shortly (via ${agent.agent})`);
    }
    throw new Error(`${quorumMessage(known)}: writes and consistent reads fail until a majority of servers is back (via ${agent.agent})`);
  }
}

/** The request path of a key: each segment percent-encoded, and checked to still be under /v1/kv/ once parsed. */
function kvPath(key: string): string {
  const path = `/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
  if (new URL(path, 'http://consul').pathname !== path) throw new InputError(`invalid KV key "${key}": it does not stay under /v1/kv/`);
  return path;
}

/** Consul's Value: base64, or null for no bytes. */
function fromBase64(value: string | null): Buffer {
  return Buffer.from(value ?? '', 'base64');
}

function describe(bytes: Buffer): KvValue {
  let value: string | null = null;
  try {
    value = utf8.decode(bytes);
  } catch {
    /* not UTF-8: bytes only */
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: text with control characters other than tab and newlines is binary
  const binary = value === null || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value);
  return { value, base64: bytes.toString('base64'), bytes: bytes.length, binary };
}
