/** How large a lab may be, in one place: the CLI, the contract, the engine and the settings dialog all ask here. */
import { InputError } from './names.js';
import type { ProviderName } from './types.js';

/** Raft wants an odd number of servers, and more than 7 slows every write; gossip labs want many clients. */
export const SERVERS = { min: 1, max: 7 } as const;
export const CLIENTS = { min: 0, max: 50 } as const;
/** With VMs the tutorial runs one client agent, on the host (172.20.20.1). */
export const VAGRANT_CLIENTS_MAX = 1;

export function clientsMax(provider: ProviderName): number {
  return provider === 'vagrant' ? VAGRANT_CLIENTS_MAX : CLIENTS.max;
}

function count(what: 'servers' | 'clients', n: unknown, min: number, max: number, why = ''): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new InputError(`--${what} must be a whole number from ${min} to ${max}${why}, got ${String(n)}`);
  }
  return n;
}

export function checkServers(n: unknown): number {
  return count('servers', n, SERVERS.min, SERVERS.max);
}

export function checkClients(n: unknown, provider: ProviderName): number {
  const why = provider === 'vagrant' ? ' with the vagrant provider (one client agent, on the host: 172.20.20.1)' : '';
  return count('clients', n, CLIENTS.min, clientsMax(provider), why);
}
