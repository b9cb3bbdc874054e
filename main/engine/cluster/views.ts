/**
 * Each running agent's own view of the members. Serf has no blocking query, so every agent is asked at once with a
 * short timeout: one that does not answer in time (paused, dying) costs the others nothing. During a failure or a
 * partition the views differ for a while: gossip is eventually consistent.
 */
import type { Member } from '../../common/types.js';
import type { AgentClient } from '../consul/http.js';
import { readMembers } from './members.js';

export interface AgentView {
  agent: string;
  /** The members as this agent sees them; null when it did not answer in time. */
  members: Member[] | null;
}

export async function readViews(agents: AgentClient[], timeoutMs: number): Promise<AgentView[]> {
  return Promise.all(agents.map(async (a) => ({ agent: a.agent, members: await readMembers(a, timeoutMs).catch(() => null) })));
}
