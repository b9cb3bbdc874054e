/**
 * Which agent serves a request, decided in one place for KV, `members`, the Greeter's calls and the lab's own
 * picture: the agent named, if it can; else the first that can, clients first (the tutorial asks through its
 * client). An agent can while its process runs and, where that was looked at, its HTTP API answers.
 */
import { NO_AGENT } from '../../common/contract.js';
import { InputError } from '../../common/names.js';
import type { ProcessState, Role } from '../../common/types.js';

export interface AgentState {
  name: string;
  role: Role;
  process: ProcessState;
  /** Whether its HTTP API answered; undefined where only the process was looked at. */
  apiUp?: boolean;
}

/** Why the agent cannot `verb` (serve a request: "use"), in the lab's one wording; null when it can. */
export function unavailable(a: AgentState, verb = 'use'): string | null {
  if (a.process === 'stopped') return `cannot ${verb} ${a.name}: its agent is not running (stopped); rejoin it first`;
  if (a.process === 'paused') return `cannot ${verb} ${a.name}: its agent is paused; resume it first`;
  if (a.apiUp === false) return `cannot ${verb} ${a.name}: its agent runs but its HTTP API does not answer`;
  return null;
}

/** The agents that can serve, in the order they are asked. */
export function servingOrder<T extends AgentState>(agents: readonly T[]): T[] {
  const able = agents.filter((a) => !unavailable(a));
  return [...able.filter((a) => a.role === 'client'), ...able.filter((a) => a.role !== 'client')];
}

/** The agent that serves a request: the one named, else the first in servingOrder; refused with the reason. */
export function servingAgent<T extends AgentState>(agents: readonly T[], named?: string): T {
  if (named !== undefined) {
    const a = agents.find((x) => x.name === named);
    if (!a) throw new InputError(`unknown node "${named}": this lab has ${agents.map((x) => x.name).join(', ')}`);
    const why = unavailable(a);
    if (why) throw new InputError(why);
    return a;
  }
  const first = servingOrder(agents)[0];
  if (!first) throw new Error(NO_AGENT);
  return first;
}
