/**
 * Go Micro registrations in Consul's catalog: each with its own check, its health in Consul's words (the worst of
 * its checks, its node's included) and its tags decoded.
 */
import type { GoMicroInfo, GreeterCheck, GreeterHealth } from '../../common/types.js';
import type { AgentClient } from '../consul/http.js';
import { readGoMicro } from './gomicro.js';

export interface Registration {
  id: string;
  service: string;
  node: string;
  address: string;
  port: number;
  meta: Record<string, string>;
  gomicro: GoMicroInfo | null;
  check: GreeterCheck | null;
  health: GreeterHealth;
}

interface Entry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[] | null; Meta: Record<string, string> | null };
  Checks: { Name: string; Type: string; Status: string; Output: string; ServiceID: string }[];
}

function worst(statuses: string[]): GreeterHealth {
  if (statuses.includes('critical')) return 'critical';
  if (statuses.includes('warning')) return 'warning';
  return statuses.length && statuses.every((s) => s === 'passing') ? 'passing' : 'unknown';
}

/** The names of the services registered the Go Micro way (with Go Micro's tags). */
export async function goMicroServices(agent: AgentClient): Promise<string[]> {
  // Stale reads: any server answers from its own copy, so the list is there even while the cluster has no leader.
  const all = await agent.get<Record<string, string[] | null>>('/v1/catalog/services', { timeoutMs: 2000, query: { stale: true } });
  return Object.entries(all ?? {})
    .filter(([, tags]) => readGoMicro(tags ?? []) !== null)
    .map(([name]) => name)
    .sort();
}

/** Every registration of `service` in the catalog, seen through `agent` (which asks the servers). */
export async function registrations(agent: AgentClient, service: string): Promise<Registration[]> {
  const rows = await agent.get<Entry[]>(`/v1/health/service/${encodeURIComponent(service)}`, { timeoutMs: 2000, query: { stale: true } });
  return (rows ?? []).map((e) => {
    const own = e.Checks.find((c) => c.ServiceID === e.Service.ID);
    return {
      id: e.Service.ID,
      service: e.Service.Service,
      node: e.Node.Node,
      address: e.Service.Address || e.Node.Address,
      port: e.Service.Port,
      meta: e.Service.Meta ?? {},
      gomicro: readGoMicro(e.Service.Tags ?? []),
      check: own ? { name: own.Name, type: own.Type, status: own.Status, output: own.Output } : null,
      health: worst(e.Checks.map((c) => c.Status)),
    };
  });
}
