/**
 * The lab's Go Micro Greeter. An instance is the greeter-service program on a lab node, registered with that
 * node's agent under a TTL check it refreshes; started detached with the lab's id in its environment and
 * recorded (pid and start time) in the lab's run/ directory like the agents, so that down stops it and a later
 * process finds it. On a node in a VM it runs inside the VM (the provider's ServiceHost). Calls are made by the
 * greeter-client program: Go Micro's client, finding the instances through the agent picked. The list holds
 * every Go Micro registration in the cluster, its tags decoded.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError, checkCount, checkGreeterName } from '../../common/names.js';
import type { GreeterCall, GreeterHealth, GreeterInstance, NodeSpec } from '../../common/types.js';
import type { LabContext } from '../lab/core.js';
import { httpAddr } from '../lab/spec.js';
import { readTail } from '../process/log-tail.js';
import { sameProcess, signal, startTime, terminate, waitGone } from '../process/procs.js';
import type { ServiceHost } from '../providers/provider.js';
import { waitFor } from '../wait.js';
import { ensureGreeter, greeterUnavailable, hostPlatform, linuxPlatform, programFile, type Program } from './binaries.js';
import { goMicroServices, registrations, type Registration } from './health.js';
import {
  INTERVAL_S,
  SERVICE,
  TTL_S,
  checkId,
  forgetCall,
  liveCalls,
  logFile,
  readRecord,
  readRecords,
  recordCall,
  removeRecord,
  writeRecord,
  type GreeterRecord,
} from './records.js';

const START_TIMEOUT_MS = 20_000;
/** Go Micro v5 skips TLS certificate checks unless told, and says so on every start. */
const GO_MICRO_ENV = { MICRO_TLS_SECURE: 'true' };

/** Go Micro's deregistration delay for its TTL check: max(TTL, 1 min) + 5 s. */
const deregisterAfter = (ttlS: number) => Math.max(ttlS, 60) + 5;

/** The agent's HTTP API as Go Micro's --registry_address takes it: host:port. */
const registryAddress = (node: NodeSpec) => new URL(httpAddr(node)).host;

/** A process just started: how to tell it still runs, end it, and read why it ended. */
interface Started {
  pid: number;
  startTime: string;
  alive(): Promise<boolean>;
  kill(): Promise<void>;
  log(): Promise<string>;
}

/** What greeter-client --json prints for each call. */
interface ClientLine {
  ok: boolean;
  msg?: string;
  instance?: string;
  node?: string;
  error?: string;
  attempts: number;
  discovery_ms: number;
  latency_ms: number;
}

function external(r: Registration): GreeterInstance {
  const { id, service, node, address, port, health, gomicro, meta, check } = r;
  const version = gomicro?.version ?? undefined;
  return { id, service, node, address, port, pid: null, process: 'external', health, version, gomicro, meta, check };
}

export class GreeterManager {
  private readonly lastHealth = new Map<string, GreeterHealth>();

  constructor(private readonly lab: LabContext) {}

  /** Why instances can neither start nor be called here, in one line; undefined when they can. */
  unavailable(): string | undefined {
    return greeterUnavailable() ?? undefined;
  }

  // ---- state ---------------------------------------------------------------------------------------

  /** Every Go Micro registration in the catalog, through the first agent that answers; null if none does. */
  private async catalog(): Promise<Registration[] | null> {
    for (const n of await this.lab.agentsInOrder()) {
      try {
        const agent = this.lab.client(n.name);
        const names = await goMicroServices(agent);
        return (await Promise.all(names.map((name) => registrations(agent, name)))).flat();
      } catch {
        /* try the next agent */
      }
    }
    return null;
  }

  /** Where the node's instances run when not as local processes: inside its VM. */
  private host(node: NodeSpec): ServiceHost | null {
    return this.lab.provider.serviceHost?.(node) ?? null;
  }

  private alive(rec: GreeterRecord): Promise<boolean> {
    const host = this.host(this.lab.node(rec.node));
    return host ? host.alive(rec.pid, rec.startTime) : Promise.resolve(sameProcess(rec.pid, rec.startTime));
  }

  /** One of the lab's instances as Consul sees it; emits greeter-health when that changed since the last look. */
  private async instance(rec: GreeterRecord, catalog: Registration[] | null): Promise<GreeterInstance> {
    const alive = await this.alive(rec);
    const reg = catalog?.find((r) => r.id === rec.id);
    const health: GreeterHealth = catalog ? (reg?.health ?? 'deregistered') : 'unknown';
    const prev = this.lastHealth.get(rec.id) ?? null;
    if (prev !== health) {
      this.lastHealth.set(rec.id, health);
      this.lab.emit({ type: 'greeter-health', id: rec.id, node: rec.node, from: prev, to: health, at: Date.now() });
    }
    return {
      id: rec.id,
      service: SERVICE,
      node: rec.node,
      address: rec.address,
      port: rec.port,
      pid: alive ? rec.pid : null,
      process: alive ? 'running' : 'stopped',
      health,
      version: reg?.gomicro?.version ?? undefined,
      gomicro: reg?.gomicro ?? null,
      meta: reg?.meta ?? {},
      check: reg?.check ?? null,
      ttlS: rec.ttlS,
      intervalS: rec.intervalS,
      deregisterAfterS: deregisterAfter(rec.ttlS),
      killedAt: rec.killedAt,
    };
  }

  /** The lab's instances, then every other Go Micro registration in the cluster. */
  async list(): Promise<GreeterInstance[]> {
    const records = readRecords(this.lab.dir);
    const catalog = await this.catalog();
    const ours = new Set(records.map((r) => r.id));
    const others = (catalog ?? []).filter((r) => !ours.has(r.id)).map(external);
    return [...(await Promise.all(records.map((r) => this.instance(r, catalog)))), ...others];
  }

  private record(id: string): GreeterRecord {
    const rec = readRecord(this.lab.dir, checkId(id));
    if (!rec) {
      const known = readRecords(this.lab.dir).map((r) => r.id);
      const hint = known.length ? `: it has ${known.join(', ')}` : ': start one with greeter start --node NODE';
      throw new InputError(`no greeter instance ${id} in this lab${hint}`);
    }
    return rec;
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  async start(nodeName: string): Promise<GreeterInstance> {
    const node = this.lab.node(nodeName);
    const agent = await this.lab.provider.agentProcess(node);
    if (agent.process !== 'running') {
      const why = agent.process === 'paused' ? 'paused; resume it' : 'not running; run up or rejoin it';
      throw new InputError(`cannot start a greeter on ${node.name}: its agent is ${why} first`);
    }
    const uuid = randomUUID();
    const id = `${SERVICE}-${uuid}`;
    // Go Micro's own flag names; the address is explicit, or Go Micro would advertise another interface's.
    const args = ['--registry_address', registryAddress(node), '--server_address', `${node.address}:0`, '--server_id', uuid];
    args.push('--register_ttl', String(TTL_S), '--register_interval', String(INTERVAL_S));
    const env = { ...this.lab.dir.env(), ...GO_MICRO_ENV };
    const host = this.host(node);
    const proc = host ? await this.startIn(host, id, args, env) : await this.startHere(id, args, env);
    const where = host ? ` (in ${host.machine})` : '';
    try {
      const reg = await waitFor(
        `${id} to register with ${node.name}${where}`,
        START_TIMEOUT_MS,
        async () => {
          const r = (await registrations(this.lab.client(node.name), SERVICE)).find((x) => x.id === id);
          if (r?.health === 'passing') return r;
          return (await proc.alive()) ? null : 'exited';
        },
        100,
      );
      if (reg === 'exited') throw new InputError(`${id} exited${where} before it registered: ${(await proc.log()).trim() || 'no output'}`);
      const rec: GreeterRecord = {
        id,
        node: node.name,
        address: reg.address,
        port: reg.port,
        pid: proc.pid,
        startTime: proc.startTime,
        ttlS: TTL_S,
        intervalS: INTERVAL_S,
        startedAt: Date.now(),
      };
      writeRecord(this.lab.dir, rec);
      this.lab.emit({ type: 'greeter-instance', id, node: node.name, change: 'started', at: Date.now() });
      return this.instance(rec, await this.catalog());
    } catch (err) {
      // Nothing half-started is left behind.
      const log = await proc.log().catch(() => '');
      await proc.kill().catch(() => undefined);
      await this.deregister(node, id).catch(() => undefined);
      if (err instanceof InputError) throw err;
      const tail = log.trim() ? `; its log: ${log.trim()}` : '';
      throw new Error(`greeter on ${node.name} did not start${where}: ${(err as Error).message}${tail}`);
    }
  }

  /** The Greeter's program for this host, built first if it must be (and can be). */
  private async hostProgram(program: Program): Promise<string> {
    const platform = hostPlatform();
    return programFile(await ensureGreeter([platform]), platform, program);
  }

  /** Starts greeter-service here, detached (it outlives the CLI or app that started it), its output in its log. */
  private async startHere(id: string, args: string[], env: Record<string, string>): Promise<Started> {
    const dir = this.lab.dir;
    const file = await this.hostProgram('greeter-service');
    mkdirSync(dir.runDir, { recursive: true });
    const fd = openSync(logFile(dir, id), 'a');
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    child.unref();
    await once(child, 'spawn');
    const pid = child.pid!;
    const log = async () => readTail(logFile(dir, id), 1500);
    const started = startTime(pid);
    if (!started) throw new InputError(`${id} exited at once: ${(await log()).trim() || `exit ${child.exitCode}`}`);
    return {
      pid,
      startTime: started,
      alive: async () => sameProcess(pid, started),
      kill: async () => {
        if (sameProcess(pid, started)) await terminate(pid, 0);
      },
      log,
    };
  }

  /** Starts greeter-service inside the node's machine: the static build for the machine's architecture. */
  private async startIn(host: ServiceHost, id: string, args: string[], env: Record<string, string>): Promise<Started> {
    const arch = await host.arch();
    const platform = linuxPlatform(arch);
    if (!platform) throw new InputError(`${host.machine} is a ${arch} machine: the Greeter is built for x86_64 and aarch64 only`);
    const file = programFile(await ensureGreeter([platform]), platform, 'greeter-service');
    const { pid, startTime: started } = await host.start(id, file, args, env);
    return {
      pid,
      startTime: started,
      alive: () => host.alive(pid, started),
      kill: () => host.signal(id, pid, started, 'SIGKILL', 0),
      log: () => host.logTail(id),
    };
  }

  private async deregister(node: NodeSpec, id: string): Promise<void> {
    await this.lab.client(node.name).put(`/v1/agent/service/deregister/${encodeURIComponent(id)}`);
  }

  /** Stops an instance and removes it from the lab. Returns its last state: deregistered, or unknown if no agent can tell. */
  private async remove(rec: GreeterRecord): Promise<GreeterInstance> {
    const node = this.lab.node(rec.node);
    const agentUp = (await this.lab.provider.agentProcess(node)).process === 'running';
    const host = this.host(node);
    if (await this.alive(rec)) {
      // SIGTERM: Go Micro deregisters the instance, as a graceful stop should.
      if (host) await host.signal(rec.id, rec.pid, rec.startTime, 'SIGTERM', 5000);
      else await terminate(rec.pid, 5000);
    } else if (agentUp) {
      // Killed earlier: its registration may still be in its agent; Consul answers 404 if it is not.
      await this.deregister(node, rec.id).catch(() => undefined);
    }
    // Unknown when no agent can tell (its node is down, or the servers have no leader): down must still finish.
    const gone = async () => !(await registrations(this.lab.client(node.name), SERVICE)).some((r) => r.id === rec.id);
    const health: GreeterHealth = agentUp
      ? await waitFor(`${rec.id} to leave the catalog`, 5000, gone, 50).then(
          () => 'deregistered' as const,
          () => 'unknown' as const,
        )
      : 'unknown';
    removeRecord(this.lab.dir, rec.id);
    this.lastHealth.delete(rec.id);
    this.lab.emit({ type: 'greeter-instance', id: rec.id, node: rec.node, change: 'stopped', at: Date.now() });
    const { id, node: name, address, port } = rec;
    return { id, service: SERVICE, node: name, address, port, pid: null, process: 'stopped', health, gomicro: null, meta: {}, check: null };
  }

  /** Graceful stop (SIGTERM): the instance deregisters, and is gone from the catalog when this returns. */
  async stop(id: string): Promise<GreeterInstance> {
    return this.remove(this.record(id));
  }

  /** SIGKILL: no deregistration; the TTL check goes critical, callers stop picking it, and Consul reaps it later. */
  async kill(id: string): Promise<GreeterInstance> {
    const rec = this.record(id);
    if (!(await this.alive(rec))) throw new InputError(`${id} is not running (killed already); greeter stop ${id} removes it`);
    const host = this.host(this.lab.node(rec.node));
    if (host) await host.signal(id, rec.pid, rec.startTime, 'SIGKILL', 0);
    else {
      signal(rec.pid, 'SIGKILL');
      if (!(await waitGone(rec.pid, 5000))) throw new Error(`${id} (pid ${rec.pid}) did not die after SIGKILL`);
    }
    const killed: GreeterRecord = { ...rec, killedAt: Date.now() };
    writeRecord(this.lab.dir, killed);
    this.lab.emit({ type: 'greeter-instance', id, node: rec.node, change: 'killed', at: Date.now() });
    return this.instance(killed, await this.catalog());
  }

  /** For down: clients still calling end, and every instance is stopped. */
  async stopAll(): Promise<void> {
    await Promise.all(liveCalls(this.lab.dir).map((c) => terminate(c.pid, 3000)));
    await Promise.all(readRecords(this.lab.dir).map((r) => this.remove(r)));
  }

  // ---- calls ---------------------------------------------------------------------------------------

  /**
   * Calls the Greeter `count` times with Go Micro's client, which finds the instances through `via`'s agent (default:
   * the lab's choice, lab/serving.ts); each call is told as it is answered.
   */
  async call(name: string, count = 1, via?: string): Promise<GreeterCall[]> {
    checkGreeterName(name);
    checkCount(count, 1000);
    const node = await this.lab.agentFor(via);
    const file = await this.hostProgram('greeter-client');
    const dir = this.lab.dir;
    const args = ['--registry_address', registryAddress(node), '--count', String(count), '--json', '--', name];
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...dir.env(), ...GO_MICRO_ENV } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    await once(child, 'spawn');
    const closed = once(child, 'close');
    const pid = child.pid!;
    const started = startTime(pid);
    mkdirSync(dir.runDir, { recursive: true });
    if (started) recordCall(dir, { pid, startTime: started });
    const calls: GreeterCall[] = [];
    try {
      for await (const line of createInterface({ input: child.stdout })) {
        if (!line.startsWith('{')) continue;
        const c = this.toCall(JSON.parse(line) as ClientLine, node.name);
        this.lab.emit({ type: 'greeter-call', call: c });
        calls.push(c);
      }
      await closed;
    } finally {
      forgetCall(dir, pid);
    }
    if (calls.length < count) {
      const why = stderr.trim() || `exit ${child.exitCode ?? child.signalCode}`;
      throw new Error(`the Go Micro client ended after ${calls.length} of ${count} calls: ${why}`);
    }
    return calls;
  }

  private toCall(l: ClientLine, via: string): GreeterCall {
    const path = ['caller', `agent ${via}`, 'servers'];
    const callMs = Math.max(0, l.latency_ms - l.discovery_ms);
    const base = { via, attempts: l.attempts, discoveryMs: l.discovery_ms, callMs, at: Date.now() };
    if (l.ok) return { ...base, ok: true, msg: l.msg, instance: l.instance, node: l.node, path: [...path, `${l.instance} on ${l.node}`] };
    const error = /: (not found|none available)$/.test(l.error ?? '')
      ? `no healthy greeter instance is registered (asked the agent ${via}): start one with greeter start --node NODE`
      : (l.error ?? 'failed');
    return { ...base, ok: false, error, path };
  }
}
