/**
 * The host backend: agents as local processes, each under a detached supervisor in a pty — every agent of the
 * local provider (on its own loopback address), and the host's client agent of a lab with VMs.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { LabSpec, NodeSpec } from '../../common/types.js';
import { resolveConsul } from '../consul/resolve.js';
import type { LabDir } from '../lab/labdir.js';
import { httpAddr } from '../lab/spec.js';
import { readTail } from '../process/log-tail.js';
import { busyEndpoints, describeBusy, type Endpoint } from '../process/ports.js';
import { armSupervisor, disarmSupervisors, supervise } from '../process/launch.js';
import { procState, signal, sleep, terminate } from '../process/procs.js';
import { agentArgs, agentConfig } from './agent-config.js';
import type { AgentBackend, AgentProcess, ShellCommand, StartOptions } from './provider.js';

const PORT_NAMES: Record<string, string> = {
  http: 'HTTP API',
  https: 'HTTPS API',
  grpc: 'gRPC',
  grpc_tls: 'gRPC TLS',
  dns: 'DNS',
  serf_lan: 'serf LAN',
  serf_wan: 'serf WAN',
  server: 'server RPC',
};
const TCP_AND_UDP = new Set(['dns', 'serf_lan', 'serf_wan']);
/** Client agents take no part in the WAN pool and serve no RPC. */
const SERVERS_ONLY = new Set(['serf_wan', 'server']);

/** Every address and port the agent binds, read from the config it is started with, so the two cannot differ. */
export function endpointsOf(spec: LabSpec, node: NodeSpec): Endpoint[] {
  const ports = agentConfig(spec, node).ports as Record<string, number>;
  return Object.entries(ports)
    .filter(([key, port]) => port > 0 && (node.role === 'server' || !SERVERS_ONLY.has(key)))
    .flatMap(([key, port]) =>
      (TCP_AND_UDP.has(key) ? (['tcp', 'udp'] as const) : (['tcp'] as const)).map((proto) => ({
        address: node.address,
        port,
        proto,
        what: `${node.name} ${PORT_NAMES[key] ?? key}`,
      })),
    );
}

export class HostBackend implements AgentBackend {
  private consulPath: string | null = null;

  constructor(readonly dir: LabDir) {}

  /** Nothing to note when the ports are free: a refusal names each one in use. */
  async preflight(spec: LabSpec, nodes: NodeSpec[]): Promise<undefined> {
    this.consulPath ??= (await resolveConsul()).path;
    const busy = await busyEndpoints(nodes.flatMap((n) => endpointsOf(spec, n)));
    if (busy.length) {
      throw new Error(
        `cannot start: ${describeBusy(busy)}. ` +
          'Another lab or consul agent is using it: stop it (consul-lab down --lab DIR), or give this lab other addresses with --subnet.',
      );
    }
    return undefined;
  }

  warmUp(nodes: NodeSpec[]): void {
    armSupervisor(
      this.dir,
      'agent',
      nodes.map((n) => n.name),
    );
  }

  async cancelWarmUp(): Promise<void> {
    await disarmSupervisors(this.dir);
  }

  async startAgent(spec: LabSpec, node: NodeSpec, opts: StartOptions): Promise<void> {
    this.consulPath ??= (await resolveConsul()).path;
    const paths = { dataDir: this.dir.dataDir(node.name), configDir: this.dir.configDir(node.name) };
    mkdirSync(paths.dataDir, { recursive: true });
    mkdirSync(paths.configDir, { recursive: true });
    writeFileSync(join(paths.configDir, 'consul-lab.json'), JSON.stringify(agentConfig(spec, node), null, 2));
    this.linkConsul();
    await supervise(this.dir, 'agent', {
      name: node.name,
      file: this.consulPath,
      args: agentArgs(spec, node, paths, opts),
      env: { CHECKPOINT_DISABLE: '1' },
      cwd: this.dir.nodeDir(node.name),
      logFile: this.dir.logFile(node.name),
      meta: { ui: opts.ui, rejoin: opts.rejoin },
    });
  }

  /** `consul` in the lab's bin/, so that a node's shell runs the same binary as its agent. */
  private linkConsul(): void {
    const link = join(this.dir.root, 'bin', process.platform === 'win32' ? 'consul.exe' : 'consul');
    mkdirSync(join(this.dir.root, 'bin'), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync(this.consulPath!, link);
  }

  async agentProcess(node: NodeSpec): Promise<AgentProcess> {
    const rec = this.dir.liveRun('agent', node.name);
    const state = rec ? procState(rec.pid) : 'gone';
    if (!rec || state === 'gone') return { process: 'stopped', pid: null, ui: false };
    return { process: state === 'stopped' ? 'paused' : 'running', pid: rec.pid, ui: rec.meta.ui === true };
  }

  async signalAgent(node: NodeSpec, sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const rec = this.dir.liveRun('agent', node.name);
    if (!rec || !signal(rec.pid, sig)) throw new Error(`${node.name} is not running`);
  }

  async stopAgent(node: NodeSpec): Promise<void> {
    const rec = this.dir.liveRun('agent', node.name);
    if (!rec) return;
    await terminate(rec.pid);
    // Its supervisor records the exit (and leaves when it has no agent left); wait for the record.
    await this.waitExitRecord(node, rec.startedAt);
  }

  private async waitExitRecord(node: NodeSpec, startedAt: number): Promise<void> {
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      const exit = this.dir.readExit('agent', node.name);
      if (exit && exit.at >= startedAt) return;
      await sleep(10);
    }
  }

  lastWords(node: NodeSpec): string {
    const exit = this.dir.readExit('agent', node.name);
    const tail = readTail(this.dir.logFile(node.name), 1500)
      .split(/\r?\n/)
      .filter((l) => l.trim())
      .slice(-6)
      .join('\n');
    const how = exit ? `exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}` : 'not running';
    return `${how}${tail ? `; its last output:\n${tail}` : ''}`;
  }

  shell(node: NodeSpec): ShellCommand {
    const shell = process.platform === 'win32' ? 'powershell.exe' : (process.env.SHELL ?? '/bin/bash');
    return {
      file: shell,
      // Without the user's rc files, so the prompt names the node the shell is "on".
      args: shell.endsWith('bash') ? ['--norc', '-i'] : [],
      cwd: this.dir.nodeDir(node.name),
      env: {
        CONSUL_HTTP_ADDR: httpAddr(node),
        CONSUL_LAB_NODE: node.name,
        PATH: `${join(this.dir.root, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
        PS1: `${node.name}$ `,
      },
    };
  }

  serviceHost(): null {
    return null;
  }

  strays(): { pid: number; argv: string[] }[] {
    const known = new Set(this.dir.liveRuns('agent').flatMap((r) => [r.pid, r.supervisorPid]));
    return this.dir.processes().filter((p) => !known.has(p.pid));
  }
}
