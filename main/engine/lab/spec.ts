/** The lab's topology: the tutorial by default (two servers and a client), mapped onto loopback addresses. */
import { InputError, checkSubnet } from '../../common/names.js';
import type { LabSpec, NodeSpec, ProviderName, Role } from '../../common/types.js';

export interface SpecOptions {
  name?: string;
  provider?: ProviderName;
  servers?: number;
  clients?: number;
  /** The /24 loopback prefix of the local provider's addresses; 127.0.0 gives the tutorial's mapping. */
  subnet?: string;
  fastElection?: boolean;
  /** Own port sets on one address, for systems with only 127.0.0.1 (macOS). */
  portSets?: boolean;
}

const WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
export const DEFAULT_PORTS = { http: 8500, dns: 8600, serfLan: 8301, serfWan: 8302, server: 8300 };

function serverName(i: number): string {
  return `agent-${WORDS[i]}`;
}

function clientName(j: number): string {
  return j === 0 ? 'agent-client' : `agent-client-${j + 1}`;
}

function checkTopologyCount(what: string, n: unknown, min: number, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new InputError(`--${what} must be a whole number from ${min} to ${max}, got ${String(n)}`);
  }
  return n;
}

export function makeSpec(opts: SpecOptions = {}): LabSpec {
  const servers = checkTopologyCount('servers', opts.servers ?? 2, 1, 9);
  const clients = checkTopologyCount('clients', opts.clients ?? 1, 0, 9);
  const provider = opts.provider ?? 'local';
  // vagrant: the tutorial's private network, n1.. at 172.20.20.10.. and the client on the host at 172.20.20.1.
  const vagrant = provider === 'vagrant';
  if (vagrant && clients > 1) throw new InputError('--clients: the vagrant provider runs one client agent, on the host (172.20.20.1)');
  const portSets = !vagrant && (opts.portSets ?? process.platform === 'darwin');
  const subnet = checkSubnet(opts.subnet ?? (portSets ? '127.0.0' : '127.0.0'));
  const nodes: NodeSpec[] = [];
  const add = (name: string, role: Role, machine: string, host: number) => {
    const k = nodes.length;
    const address = vagrant ? (role === 'server' ? `172.20.20.${host}` : '172.20.20.1') : portSets ? '127.0.0.1' : `${subnet}.${host}`;
    const shift = portSets ? k * 10 : 0;
    nodes.push({
      name,
      role,
      machine,
      address,
      ports: {
        http: DEFAULT_PORTS.http + shift,
        dns: DEFAULT_PORTS.dns + shift,
        serfLan: DEFAULT_PORTS.serfLan + shift,
        serfWan: DEFAULT_PORTS.serfWan + shift,
        server: DEFAULT_PORTS.server + shift,
      },
    });
  };
  for (let i = 0; i < servers; i++) add(serverName(i), 'server', `n${i + 1}`, 10 + i);
  for (let j = 0; j < clients; j++) add(clientName(j), 'client', j === 0 ? 'host' : `host${j + 1}`, 20 + j);
  return {
    name: opts.name ?? 'dc1',
    provider,
    datacenter: 'dc1',
    bootstrapExpect: servers,
    fastElection: opts.fastElection ?? true,
    nodes,
  };
}

export function httpAddr(node: NodeSpec): string {
  return `http://${node.address}:${node.ports.http}`;
}

export function findNode(spec: LabSpec, name: string): NodeSpec {
  const node = spec.nodes.find((n) => n.name === name);
  if (!node) {
    throw new InputError(`unknown node "${name}": this lab has ${spec.nodes.map((n) => n.name).join(', ')}`);
  }
  return node;
}

/** Checks a spec read from disk or handed in: unique names and addresses. */
export function checkSpec(spec: LabSpec): LabSpec {
  const names = new Set<string>();
  const endpoints = new Set<string>();
  for (const n of spec.nodes) {
    if (names.has(n.name)) throw new InputError(`duplicate node name "${n.name}": every node needs its own name`);
    names.add(n.name);
    const ep = `${n.address}:${n.ports.serfLan}`;
    if (endpoints.has(ep)) throw new InputError(`duplicate address ${ep}: nodes ${n.name} and another share it`);
    endpoints.add(ep);
  }
  return spec;
}
