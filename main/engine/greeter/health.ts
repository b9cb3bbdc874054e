/** Greeter health in Consul's words: the worst status of each registration's checks (its own and its node's). */
import type { GreeterHealth } from '../../common/types.js';
import type { AgentClient } from '../consul/http.js';
import { SERVICE } from './records.js';

export interface Registration {
  id: string;
  node: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  health: GreeterHealth;
}

interface Entry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[] | null; Meta: Record<string, string> | null };
  Checks: { Status: string }[];
}

function worst(statuses: string[]): GreeterHealth {
  if (statuses.includes('critical')) return 'critical';
  if (statuses.includes('warning')) return 'warning';
  return statuses.length && statuses.every((s) => s === 'passing') ? 'passing' : 'unknown';
}

/** The catalog's names for the Greeter: ours, and Go Micro style dotted ones such as go.micro.srv.greeter. */
export async function greeterServices(agent: AgentClient): Promise<string[]> {
  // Stale reads: any server answers from its own copy, so the list is there even while the cluster has no leader.
  const all = await agent.get<Record<string, string[]>>('/v1/catalog/services', { timeoutMs: 2000, query: { stale: true } });
  return [SERVICE, ...Object.keys(all ?? {}).filter((n) => n.endsWith(`.${SERVICE}`))];
}

/** Every registration of `service` in the catalog, seen through `agent` (which asks the servers). */
export async function registrations(agent: AgentClient, service = SERVICE): Promise<Registration[]> {
  const rows = await agent.get<Entry[]>(`/v1/health/service/${encodeURIComponent(service)}`, { timeoutMs: 2000, query: { stale: true } });
  return (rows ?? []).map((e) => ({
    id: e.Service.ID,
    node: e.Node.Node,
    address: e.Service.Address || e.Node.Address,
    port: e.Service.Port,
    tags: e.Service.Tags ?? [],
    meta: e.Service.Meta ?? {},
    health: worst(e.Checks.map((c) => c.Status)),
  }));
}
