/**
 * A server's own raft state, as its local /v1/agent/self prints it (Stats.raft): no RPC is needed to read it, so
 * it is there at once even while the cluster has no leader.
 */
import type { RaftState } from '../../common/types.js';

/** The voters' addresses in raft's printed configuration: "[{Suffrage:Voter ID:… Address:127.0.0.10:8300} …]". */
export function votersOf(configuration: string): string[] {
  return [...configuration.matchAll(/\{Suffrage:Voter ID:\S+ Address:(\S+?)\}/g)].map((m) => m[1]!);
}

export function parseRaft(raft: Record<string, string>): RaftState {
  const n = (k: string) => Number(raft[k] ?? 0);
  return {
    state: raft.state ?? 'unknown',
    term: n('term'),
    lastLogIndex: n('last_log_index'),
    commitIndex: n('commit_index'),
    appliedIndex: n('applied_index'),
    lastContact: raft.last_contact ?? 'never',
    voters: votersOf(raft.latest_configuration ?? ''),
  };
}
