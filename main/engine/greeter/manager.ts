/**
 * Greeter instances hosted on lab nodes: each its own detached process, registered with its node's agent,
 * tracked in the lab's run/ directory like the agents, so that down stops them and a later process finds them.
 * On a node in a VM the process runs inside the VM (the provider's ServiceHost), from the bundled service.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { InputError, checkCount, checkGreeterName } from '../../common/names.js';
import type { GreeterCall, GreeterHealth, GreeterInstance, NodeSpec } from '../../common/types.js';
import type { LabContext } from '../lab/core.js';
import { unavailable } from '../lab/serving.js';
import { waitFor } from '../wait.js';
import type { ServiceHost } from '../providers/provider.js';
import { httpAddr } from '../lab/spec.js';
import { readTail } from '../process/log-tail.js';
import { nodeEntry } from '../process/node-entry.js';
import { procState, signal, terminate, waitGone } from '../process/procs.js';
import { greeterBundle } from './bundle.js';
import { ServiceWatch, type Endpoint } from './discovery.js';
import { readGoMicro } from './gomicro.js';
import { greeterServices, registrations, type Registration } from './health.js';
import { postJson } from './post.js';
import {
  SERVICE,
  VERSION,
  checkId,
  isAlive,
  jobFile,
  logFile,
  readRecord,
  readRecords,
  recordFile,
  removeFiles,
  writeRecord,
  type GreeterJob,
  type GreeterRecord,
} from './records.js';

const START_TIMEOUT_MS = 20_000;
const CALL_TIMEOUT_MS = 5_000;

export class GreeterManager {
  private readonly watches = new Map<string, ServiceWatch>();
  private readonly lastHealth = new Map<string, GreeterHealth>();
  /** The agent the last call without a `via` went through. */
  private lastVia: string | null = null;

  constructor(private readonly lab: LabContext) {}

  // ---- state ---------------------------------------------------------------------------------------

  /** Consul's registrations of the Greeter, through the first agent that answers; null if none does. */
  private async catalog(): Promise<Registration[] | null> {
    for (const n of await this.lab.agentsInOrder()) {
      try {
        const agent = this.lab.client(n.name);
        const names = await greeterServices(agent);
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
    return host ? host.alive(rec.id, rec.pid) : Promise.resolve(isAlive(rec));
  }

  /** One instance as Consul sees it; emits greeter-health when that changed since the last look. */
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
      node: rec.node,
      address: rec.address,
      port: rec.port,
      pid: alive ? rec.pid : null,
      process: alive ? 'running' : 'stopped',
      health,
      version: reg?.meta.version ?? VERSION,
    };
  }

  /** The lab's instances, and Go Micro greeters registered in the same cluster. */
  async list(): Promise<GreeterInstance[]> {
    const records = readRecords(this.lab.dir);
    const catalog = await this.catalog();
    const ours = new Set(records.map((r) => r.id));
    const foreign = (catalog ?? []).flatMap((r): GreeterInstance[] => {
      const micro = ours.has(r.id) ? null : readGoMicro(r.tags);
      if (!micro) return [];
      const { id, node, address, port, health } = r;
      const version = micro.version ?? undefined;
      return [{ id, node, address, port, pid: null, process: 'external', health, framework: 'go-micro', version }];
    });
    return [...(await Promise.all(records.map((r) => this.instance(r, catalog)))), ...foreign];
  }

  private record(id: string): GreeterRecord {
    const rec = readRecord(this.lab.dir, checkId(id));
    if (!rec) {
      const known = readRecords(this.lab.dir).map((r) => r.id);
      const hint = known.length ? `it has ${known.join(', ')}` : 'start one with greeter start --node NODE';
      throw new InputError(`no greeter instance ${id} in this lab: ${hint}`);
    }
    return rec;
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  async start(nodeName: string): Promise<GreeterInstance> {
    const node = this.lab.node(nodeName);
    const why = unavailable({ ...node, process: (await this.lab.provider.agentProcess(node)).process }, 'start a greeter on');
    if (why) throw new InputError(why);
    const id = `greeter-${randomBytes(4).toString('hex')}`;
    const host = this.host(node);
    if (host) return this.startIn(host, node, id);
    const dir = this.lab.dir;
    mkdirSync(dir.runDir, { recursive: true });
    const job: GreeterJob = { id, node: node.name, address: node.address, agent: httpAddr(node), recordFile: recordFile(dir, id) };
    writeFileSync(jobFile(dir, id), JSON.stringify(job, null, 2));
    const entry = nodeEntry(new URL('./service', import.meta.url), [jobFile(dir, id)]);
    const log = openSync(logFile(dir, id), 'a');
    const env = { ...process.env, ...entry.env, ...dir.env() };
    const child = spawn(entry.file, entry.args, { detached: true, stdio: ['ignore', log, log], env });
    closeSync(log);
    child.unref();
    try {
      const rec = await waitFor(`${id} to listen and register with ${node.name}`, START_TIMEOUT_MS, async () => {
        const r = readRecord(dir, id);
        if (r) return r;
        if (child.exitCode !== null || (child.pid && procState(child.pid) === 'gone')) {
          throw new InputError(`${id} exited before it was ready: ${readTail(logFile(dir, id), 1500).trim() || `exit ${child.exitCode}`}`);
        }
        return null;
      });
      await waitFor(`${id}'s health check to pass`, START_TIMEOUT_MS, async () =>
        (await registrations(this.lab.client(node.name))).some((r) => r.id === id && r.health === 'passing'),
      );
      this.lab.emit({ type: 'greeter-instance', id, node: node.name, change: 'started', at: Date.now() });
      return this.instance(rec, await this.catalog());
    } catch (err) {
      // Nothing half-started is left behind.
      if (child.pid) await terminate(child.pid, 3000).catch(() => undefined);
      await this.deregister(node, id).catch(() => undefined);
      removeFiles(dir, id);
      if (err instanceof InputError) throw err;
      throw new Error(`greeter on ${node.name} did not start: ${(err as Error).message}; its log: ${logFile(dir, id)}`);
    }
  }

  /** Starts the instance inside the node's machine; its record (port from Consul, the machine's pid) is kept here. */
  private async startIn(host: ServiceHost, node: NodeSpec, id: string): Promise<GreeterInstance> {
    const dir = this.lab.dir;
    mkdirSync(dir.runDir, { recursive: true });
    const job: GreeterJob = { id, node: node.name, address: node.address, agent: httpAddr(node), recordFile: `${host.dir}/${id}.json` };
    const pid = await host.start(id, await greeterBundle(), JSON.stringify(job));
    try {
      const reg = await waitFor(`${id} to listen and register with ${node.name} (in ${host.machine})`, START_TIMEOUT_MS, async () => {
        const r = (await registrations(this.lab.client(node.name))).find((x) => x.id === id);
        if (r?.health === 'passing') return r;
        if (await host.alive(id, pid)) return null;
        throw new InputError(`${id} exited in ${host.machine} before it was ready: ${(await host.logTail(id)).trim() || 'no output'}`);
      }, 200);
      const rec: GreeterRecord = { id, node: node.name, address: reg.address, port: reg.port, pid, startedAt: Date.now() };
      writeRecord(recordFile(dir, id), rec);
      this.lab.emit({ type: 'greeter-instance', id, node: node.name, change: 'started', at: Date.now() });
      return this.instance(rec, await this.catalog());
    } catch (err) {
      const log = await host.logTail(id).catch(() => '');
      await host.signal(id, pid, 'SIGKILL', 0).catch(() => undefined);
      await this.deregister(node, id).catch(() => undefined);
      if (err instanceof InputError) throw err;
      const why = `${(err as Error).message}${log.trim() ? `; its log: ${log.trim()}` : ''}`;
      throw new Error(`greeter on ${node.name} did not start in ${host.machine}: ${why}`);
    }
  }

  private async deregister(node: NodeSpec, id: string): Promise<void> {
    const url = new URL(httpAddr(node));
    // Loaded when needed: the npm client is the heaviest import on the CLI's start-up path.
    const { default: Consul } = await import('consul');
    await new Consul({ host: url.hostname, port: Number(url.port) }).agent.service.deregister(id);
  }

  /** Stops an instance and removes it from the lab. Returns its last state: deregistered, or unknown if no agent can tell. */
  private async remove(rec: GreeterRecord): Promise<GreeterInstance> {
    const node = this.lab.node(rec.node);
    const agentUp = (await this.lab.provider.agentProcess(node)).process === 'running';
    const host = this.host(node);
    if (await this.alive(rec)) {
      // SIGTERM: the instance deregisters itself, as a graceful stop should.
      if (host) await host.signal(rec.id, rec.pid, 'SIGTERM', 5000);
      else await terminate(rec.pid, 5000);
    } else if (agentUp) {
      // Killed earlier: its registration may still be in its agent; Consul answers 404 if it is not.
      await this.deregister(node, rec.id).catch(() => undefined);
    }
    // Unknown when no agent can tell (its node is down, or the servers have no leader): down must still finish.
    const gone = async () => !(await registrations(this.lab.client(node.name))).some((r) => r.id === rec.id);
    const health: GreeterHealth = agentUp
      ? await waitFor(`${rec.id} to leave the catalog`, 5000, gone).then(
          () => 'deregistered' as const,
          () => 'unknown' as const,
        )
      : 'unknown';
    removeFiles(this.lab.dir, rec.id);
    this.lastHealth.delete(rec.id);
    this.lab.emit({ type: 'greeter-instance', id: rec.id, node: rec.node, change: 'stopped', at: Date.now() });
    return { id: rec.id, node: rec.node, address: rec.address, port: rec.port, pid: null, process: 'stopped', health };
  }

  /** Graceful stop: the instance deregisters, and is gone from the catalog when this returns. */
  async stop(id: string): Promise<GreeterInstance> {
    return this.remove(this.record(id));
  }

  /** SIGKILL: no deregistration; Consul's check goes critical, callers stop picking it, and Consul reaps it later. */
  async kill(id: string): Promise<GreeterInstance> {
    const rec = this.record(id);
    if (!(await this.alive(rec))) throw new InputError(`${id} is not running (killed already); greeter stop ${id} removes it`);
    const host = this.host(this.lab.node(rec.node));
    if (host) await host.signal(id, rec.pid, 'SIGKILL', 0);
    else {
      signal(rec.pid, 'SIGKILL');
      if (!(await waitGone(rec.pid, 5000))) throw new Error(`${id} (pid ${rec.pid}) did not die after SIGKILL`);
    }
    this.lab.emit({ type: 'greeter-instance', id, node: rec.node, change: 'killed', at: Date.now() });
    return this.instance(rec, await this.catalog());
  }

  async stopAll(): Promise<void> {
    this.close();
    await Promise.all(readRecords(this.lab.dir).map((r) => this.remove(r)));
  }

  /** Ends the background blocking queries, so that nothing of the caller keeps the process alive. */
  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  // ---- calls ---------------------------------------------------------------------------------------

  private watch(node: NodeSpec): ServiceWatch {
    let w = this.watches.get(node.name);
    if (!w) {
      w = new ServiceWatch(this.lab.client(node.name), SERVICE);
      this.watches.set(node.name, w);
    }
    return w;
  }

  /** Calls the Greeter `count` times, discovering it through `via`'s agent (default: the lab's choice, lab/serving.ts). */
  async call(name: string, count = 1, via?: string): Promise<GreeterCall[]> {
    checkGreeterName(name);
    checkCount(count, 1000);
    // An open long poll proves its agent answers (a killed agent resets it at once): the last choice then stands
    // without a look at the processes.
    const last = via ?? this.lastVia;
    const node = last && this.watches.get(last)?.live ? this.lab.node(last) : await this.lab.agentFor(via);
    if (!via) this.lastVia = node.name;
    const watch = this.watch(node);
    const calls: GreeterCall[] = [];
    for (let i = 0; i < count; i++) {
      const c = await this.callOnce(watch, name);
      this.lab.emit({ type: 'greeter-call', call: c });
      calls.push(c);
    }
    return calls;
  }

  private async callOnce(watch: ServiceWatch, name: string): Promise<GreeterCall> {
    const via = watch.agent.agent;
    const path = ['caller', `agent ${via}`, 'servers'];
    const t0 = performance.now();
    let ep: Endpoint | undefined;
    try {
      ep = watch.pick(await watch.endpoints());
    } catch (err) {
      return { ok: false, error: (err as Error).message, via, discoveryMs: performance.now() - t0, callMs: 0, path, at: Date.now() };
    }
    const t1 = performance.now();
    if (!ep) {
      const error = `no healthy greeter instance is registered (asked the agent ${via}): start one with greeter start --node NODE`;
      return { ok: false, error, via, discoveryMs: t1 - t0, callMs: 0, path, at: Date.now() };
    }
    path.push(`${ep.id} on ${ep.node}`);
    const base = { via, instance: ep.id, node: ep.node, discoveryMs: t1 - t0, path };
    try {
      const res = await postJson(`http://${ep.address}:${ep.port}/greeter/hello`, { name }, CALL_TIMEOUT_MS);
      const callMs = performance.now() - t1;
      const b = res.body as { msg?: string; instance?: string; node?: string; error?: string };
      if (res.status !== 200) {
        return { ...base, ok: false, error: `${ep.id} on ${ep.node} answered ${res.status}: ${b.error ?? ''}`, callMs, at: Date.now() };
      }
      return { ...base, ok: true, msg: b.msg, instance: b.instance, node: b.node, callMs, at: Date.now() };
    } catch (err) {
      const error = `${ep.id} on ${ep.node} at ${ep.address}:${ep.port} failed: ${(err as Error).message}`;
      return { ...base, ok: false, error, callMs: performance.now() - t1, at: Date.now() };
    }
  }
}
