/**
 * What the tutorial's client does: ask an agent for the healthy instances of a service, keep that list fresh
 * with a blocking query running in the background (so a call does not ask Consul first), and pick round robin.
 */
import type { AgentClient } from '../consul/http.js';
import { readGoMicro } from './gomicro.js';

export interface Endpoint {
  id: string;
  node: string;
  address: string;
  port: number;
}

interface HealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Address: string; Port: number; Tags: string[] | null };
}

const WAIT_S = 30;

export class ServiceWatch {
  private list: Endpoint[] | null = null;
  private index = 0;
  private next = 0;
  private running = false;
  private readonly abort = new AbortController();

  constructor(
    readonly agent: AgentClient,
    private readonly service: string,
  ) {}

  private get path() {
    return `/v1/health/service/${encodeURIComponent(this.service)}`;
  }

  /** The cached list; the first call (or the first after the agent stopped answering) asks the agent. */
  async endpoints(): Promise<Endpoint[]> {
    if (this.list) return this.list;
    const r = await this.agent.blocking<HealthEntry[]>(this.path, 0, WAIT_S, { query: { passing: true }, signal: this.abort.signal });
    this.update(r.value, r.index);
    if (!this.running) void this.watch();
    return this.list!;
  }

  /** Whether the background long poll holds a current list. */
  get live(): boolean {
    return this.running && this.list !== null;
  }

  /** Round robin over the current list. */
  pick(list: Endpoint[]): Endpoint | undefined {
    if (!list.length) return undefined;
    return list[this.next++ % list.length];
  }

  private update(entries: HealthEntry[] | null, index: number): void {
    // Consul's advice: an index that goes backwards means the servers' state was reset, so start over; and
    // never block on index 0, which would return at once, again and again.
    this.index = index < this.index ? 1 : Math.max(1, index);
    // A Go Micro greeter speaks Go Micro's RPC, not POST /greeter/hello: listed by the lab, never called.
    this.list = (entries ?? [])
      .filter((e) => !readGoMicro(e.Service.Tags ?? []))
      .map((e) => ({ id: e.Service.ID, node: e.Node.Node, address: e.Service.Address || e.Node.Address, port: e.Service.Port }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  private async watch(): Promise<void> {
    this.running = true;
    try {
      while (!this.abort.signal.aborted) {
        const r = await this.agent.blocking<HealthEntry[]>(this.path, this.index, WAIT_S, { query: { passing: true }, signal: this.abort.signal });
        this.update(r.value, r.index);
      }
    } catch {
      // The agent stopped answering: forget the list, so the next call asks again and reports why.
      this.list = null;
    } finally {
      this.running = false;
    }
  }

  close(): void {
    this.abort.abort();
  }
}
