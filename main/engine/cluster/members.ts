/** Reads the cluster as Consul sees it: serf members, the raft leader and voters, and what quorum allows. */
import type { Member, MemberStatus, RaftHealth } from '../../common/types.js';
import type { AgentClient } from '../consul/http.js';

const STATUS: MemberStatus[] = ['none', 'alive', 'leaving', 'left', 'failed'];

interface RawMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
}

export async function readMembers(agent: AgentClient, timeoutMs = 2000): Promise<Member[]> {
  const raw = (await agent.get<RawMember[]>('/v1/agent/members', { timeoutMs })) ?? [];
  return raw
    .map((m) => ({
      name: m.Name,
      address: m.Addr,
      port: m.Port,
      status: STATUS[m.Status] ?? 'none',
      role: m.Tags.role === 'consul' ? ('server' as const) : ('client' as const),
      build: (m.Tags.build ?? '').split(':')[0] ?? '',
      dc: m.Tags.dc ?? '',
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The leader's node name, or null; `members` maps the raft address back to a name. */
export async function readLeader(agent: AgentClient, members: Member[], timeoutMs = 2000): Promise<string | null> {
  const addr = await agent.get<string>('/v1/status/leader', { timeoutMs });
  if (!addr) return null;
  const host = addr.slice(0, addr.lastIndexOf(':'));
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
  // With port sets (one address), the raft port is not in serf's tags reliably; match the address first.
  const byAddr = members.filter((m) => m.role === 'server' && m.address === host);
  return (byAddr.length === 1 ? byAddr[0]!.name : (byAddr.find((m) => m.port === port - 1)?.name ?? byAddr[0]?.name)) ?? null;
}

export function raftHealth(voters: string[], members: Member[]): RaftHealth {
  const alive = voters.filter((v) => members.find((m) => m.name === v)?.status === 'alive').length;
  const quorum = Math.floor(voters.length / 2) + 1;
  return { voters, aliveVoters: alive, quorum, tolerates: alive - quorum };
}

export function quorumMessage(members: Member[]): string {
  const servers = members.filter((m) => m.role === 'server' && m.status !== 'left');
  const alive = servers.filter((m) => m.status === 'alive').length;
  return `no cluster leader: quorum lost (${alive} of ${servers.length} servers alive)`;
}
