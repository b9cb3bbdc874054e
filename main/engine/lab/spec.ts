/** The lab's topology: the tutorial by default (two servers and a client), mapped onto loopback addresses. */
import { InputError, checkSubnet } from '../../common/names.js';
import { checkClients, checkServers } from '../../common/topology.js';
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

const WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven'];
export const DEFAULT_PORTS = { http: 8500, dns: 8600, serfLan: 8301, serfWan: 8302, server: 8300 };
/** With one address for all (macOS), node k's ports are the block PORT_SET_BASE + 10k … + 4. */
const PORT_SET_BASE = 20000;

function serverName(i: number): string {
  return `agent-${WORDS[i]}`;
}

function clientName(j: number): string {
  return j === 0 ? 'agent-client' : `agent-client-${j + 1}`;
}

function portSet(k: number): NodeSpec['ports'] {
  const b = PORT_SET_BASE + k * 10;
  return { server: b, serfLan: b + 1, serfWan: b + 2, http: b + 3, dns: b + 4 };
}

/**
 * The lab's nodes: servers n1, n2, … at .10, .11, … and clients at .20, .21, … of the subnet (the tutorial's
 * 172.20.20.10/.11 and the host's .1 with VMs).
 */
export function makeSpec(opts: SpecOptions = {}): LabSpec {
  const provider = opts.provider ?? 'local';
  const servers = checkServers(opts.servers ?? 2);
  const clients = checkClients(opts.clients ?? 1, provider);
  const vagrant = provider === 'vagrant';
  const portSets = !vagrant && (opts.portSets ?? process.platform === 'darwin');
  const subnet = checkSubnet(opts.subnet ?? '127.0.0');
  const nodes: NodeSpec[] = [];
  const add = (name: string, role: Role, machine: string, host: number) => {
    const address = vagrant ? (role === 'server' ? `172.20.20.${host}` : '172.20.20.1') : portSets ? '127.0.0.1' : `${subnet}.${host}`;
    nodes.push({ name, role, machine, address, ports: portSets ? portSet(nodes.length) : { ...DEFAULT_PORTS } });
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
