/**
 * Keeps the lab's picture current and tells what changed, as soon as any agent knows it: a blocking query on the
 * health of everything (/v1/health/state/any) wakes it when Consul records a change; every running agent's own
 * members are looked at every GOSSIP_MS (serf has no blocking query, and a failure is known to serf first);
 * the lab's run directory is watched (an agent process that ends is known there at once); a 2 s tick is the
 * safety net.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import type { ClusterSnapshot, LabEvent, LabSpec, MemberStatus } from '../../common/types.js';
import { AgentClient } from '../consul/http.js';
import { httpAddr } from '../lab/spec.js';
import { sleep } from '../process/procs.js';
import { readViews } from './views.js';

/** What the watch needs of a lab: its topology, a snapshot, and where to tell what changed. */
export interface Watched {
  readonly spec: LabSpec;
  readonly dir: { readonly runDir: string };
  snapshot(): Promise<ClusterSnapshot>;
  emit(e: LabEvent): void;
}

export const TICK_MS = 2000;
export const GOSSIP_MS = 200;
/** Local endpoints answer in milliseconds; an agent slower than this (paused) is simply not heard this round. */
const VIEW_TIMEOUT_MS = 300;

export class ClusterWatch {
  private last: ClusterSnapshot | null = null;
  private running = false;
  private wake: (() => void) | null = null;
  /** Set by a poke that came while a snapshot was being taken: take another at once. */
  private pending = false;
  private runWatcher: FSWatcher | null = null;
  private abort = new AbortController();

  constructor(private readonly lab: Watched) {}

  get current(): ClusterSnapshot | null {
    return this.last;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    void this.refreshLoop();
    void this.blockingLoop();
    void this.gossipLoop();
  }

  stop(): void {
    this.running = false;
    this.abort.abort();
    this.runWatcher?.close();
    this.runWatcher = null;
    this.wake?.();
  }

  /** Refresh now (after an operation, or a change seen), rather than at the next tick. */
  poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private async refreshLoop(): Promise<void> {
    while (this.running) {
      this.pending = false;
      try {
        this.publish(await this.lab.snapshot());
      } catch {
        /* a lab directory being destroyed; the next round tells */
      }
      if (this.pending) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, TICK_MS);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async blockingLoop(): Promise<void> {
    let index = 0;
    let agent: AgentClient | null = null;
    while (this.running) {
      const view = this.last?.seenFrom ? this.lab.spec.nodes.find((n) => n.name === this.last!.seenFrom) : undefined;
      if (!view) {
        await sleep(TICK_MS);
        continue;
      }
      if (!agent || agent.agent !== view.name) {
        agent = new AgentClient(view.name, httpAddr(view));
        index = 0;
      }
      try {
        const r = await agent.blocking<unknown[]>('/v1/health/state/any', index, 30, { query: { stale: true }, signal: this.abort.signal });
        if (r.index !== index && index !== 0) this.poke();
        index = r.index < index ? 0 : r.index;
      } catch {
        index = 0;
        await sleep(TICK_MS);
      }
    }
  }

  /** Each running agent's members, all at once; any difference from the last look pokes a refresh. */
  private async gossipLoop(): Promise<void> {
    let seen = '';
    while (this.running) {
      this.watchRunDir();
      const agents = (this.last?.nodes ?? []).filter((n) => n.process === 'running').map((n) => new AgentClient(n.name, n.httpAddr));
      const views = await readViews(agents, VIEW_TIMEOUT_MS);
      const now = JSON.stringify(views.map((v) => [v.agent, v.members?.map((m) => `${m.name}=${m.status}`) ?? null]));
      if (seen && now !== seen) this.poke();
      seen = now;
      await sleep(GOSSIP_MS);
    }
  }

  /** An agent's supervisor records its exit in run/ the moment the process ends. */
  private watchRunDir(): void {
    if (this.runWatcher || !existsSync(this.lab.dir.runDir)) return;
    try {
      this.runWatcher = watch(this.lab.dir.runDir, () => this.poke());
      this.runWatcher.on('error', () => {
        this.runWatcher?.close();
        this.runWatcher = null;
      });
    } catch {
      /* the folder went away in between: the next round tries again */
    }
  }

  private publish(next: ClusterSnapshot): void {
    const prev = this.last;
    this.last = next;
    const at = next.at;
    const before = new Map<string, MemberStatus>(prev?.members.map((m) => [m.name, m.status]) ?? []);
    for (const m of next.members) {
      const from = before.get(m.name) ?? null;
      if (from !== m.status) this.lab.emit({ type: 'member', name: m.name, from, to: m.status, at });
    }
    if ((prev?.leader ?? null) !== next.leader) this.lab.emit({ type: 'leader', leader: next.leader, previous: prev?.leader ?? null, at });
    if (!prev || JSON.stringify({ ...prev, at: 0 }) !== JSON.stringify({ ...next, at: 0 }))
      this.lab.emit({ type: 'snapshot', snapshot: next });
  }
}
