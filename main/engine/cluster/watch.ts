/**
 * Keeps the lab's picture current and tells what changed: a blocking query on the health of everything
 * (/v1/health/state/any) wakes it as soon as Consul records a change, and a 2 s tick catches what only serf
 * knows (a member failing while there is no leader to record it).
 */
import type { ClusterSnapshot, LabEvent, LabSpec, MemberStatus } from '../../common/types.js';
import { AgentClient } from '../consul/http.js';
import { httpAddr } from '../lab/spec.js';
import { sleep } from '../process/procs.js';

/** What the watch needs of a lab: its topology, a snapshot, and where to tell what changed. */
export interface Watched {
  readonly spec: LabSpec;
  snapshot(): Promise<ClusterSnapshot>;
  emit(e: LabEvent): void;
}

export const TICK_MS = 2000;

export class ClusterWatch {
  private last: ClusterSnapshot | null = null;
  private running = false;
  private wake: (() => void) | null = null;
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
  }

  stop(): void {
    this.running = false;
    this.abort.abort();
    this.wake?.();
  }

  /** Refresh now (after an operation), rather than at the next tick. */
  poke(): void {
    this.wake?.();
  }

  private async refreshLoop(): Promise<void> {
    while (this.running) {
      try {
        this.publish(await this.lab.snapshot());
      } catch {
        /* a lab directory being destroyed; the next round tells */
      }
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
    if (!prev || JSON.stringify({ ...prev, at: 0 }) !== JSON.stringify({ ...next, at: 0 })) this.lab.emit({ type: 'snapshot', snapshot: next });
  }
}
