/** The embedded default: every agent is a local process on its own loopback address, supervised in a pty. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import type { LabSpec, NodeSpec } from '../../common/types.js';
import { resolveConsul } from '../consul/resolve.js';
import { LabDir } from '../lab/labdir.js';
import { httpAddr } from '../lab/spec.js';
import { readTail } from '../process/log-tail.js';
import { nodeEntry } from '../process/node-entry.js';
import { busyEndpoints, describeBusy, type Endpoint } from '../process/ports.js';
import { findProcesses, procState, signal, sleep, terminate, waitGone } from '../process/procs.js';
import { CANCELLED, type SupervisedJob } from '../process/job.js';
import { agentArgs, agentConfig } from './agent-config.js';
import type { AgentProcess, Provider, ShellCommand, StartOptions } from './provider.js';

export const LOG_CAP_BYTES = 1024 * 1024;

interface Armed {
  pid: number;
  exited: () => boolean;
}

/** Supervisors started ahead of their jobs, by job file (one supervisor may wait for several jobs). */
const armed = new Map<string, Armed>();

function jobFileOf(dir: LabDir, kind: string, name: string): string {
  return join(dir.runDir, `${kind}-${name}.job`);
}

/**
 * Starts one supervisor for the named jobs before the jobs are known, so that its Node start-up overlaps other
 * work (checks, an election); `supervise` hands it each job. Jobs it gets no word of are given up by itself.
 */
export function armSupervisor(dir: LabDir, kind: string, names: string[]): void {
  const jobFiles = names.map((n) => jobFileOf(dir, kind, n)).filter((f) => !armed.has(f));
  if (!jobFiles.length) return;
  mkdirSync(dir.runDir, { recursive: true });
  for (const f of jobFiles) rmSync(f, { force: true });
  const entry = nodeEntry(new URL('../process/supervisor', import.meta.url), jobFiles);
  const child = spawn(entry.file, entry.args, { detached: true, stdio: 'ignore', env: { ...process.env, ...entry.env } });
  child.unref();
  const a: Armed = { pid: child.pid!, exited: () => child.exitCode !== null || child.signalCode !== null || procState(child.pid!) === 'gone' };
  for (const f of jobFiles) armed.set(f, a);
}

/** Calls off the armed jobs of this lab that were not handed over, and waits for supervisors left with nothing to do. */
export async function disarmSupervisors(dir: LabDir): Promise<void> {
  const idle = new Set<Armed>();
  const busy = new Set<Armed>();
  for (const [jobFile, a] of armed) {
    if (!jobFile.startsWith(dir.runDir + sep)) continue;
    armed.delete(jobFile);
    if (existsSync(jobFile)) {
      busy.add(a);
      continue;
    }
    writeFileSync(jobFile, CANCELLED);
    idle.add(a);
  }
  for (const a of idle) if (!busy.has(a) && !(await waitGone(a.pid, 3000))) await terminate(a.pid, 2000);
}

/** Runs a command under a detached supervisor (armed earlier, or now); resolves once the pty child is spawned. */
export async function supervise(dir: LabDir, kind: string, job: Omit<SupervisedJob, 'runFile' | 'exitFile' | 'logCapBytes'>): Promise<void> {
  const full: SupervisedJob = {
    ...job,
    logCapBytes: LOG_CAP_BYTES,
    runFile: dir.runFile(kind, job.name),
    exitFile: dir.exitFile(kind, job.name),
  };
  const jobFile = jobFileOf(dir, kind, job.name);
  if (armed.get(jobFile)?.exited()) armed.delete(jobFile);
  armSupervisor(dir, kind, [job.name]);
  const supervisor = armed.get(jobFile)!;
  // Written whole, then renamed: the supervisor never reads a half-written job.
  writeFileSync(`${jobFile}.tmp`, JSON.stringify(full));
  renameSync(`${jobFile}.tmp`, jobFile);
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (dir.readRun(kind, job.name) || dir.readExit(kind, job.name)) return; // an early exit: the caller reads why
      if (supervisor.exited()) throw new Error(`the supervisor for ${job.name} exited before starting it`);
      await sleep(5);
    }
    throw new Error(`the supervisor for ${job.name} did not start it within 15 s`);
  } finally {
    armed.delete(jobFile);
  }
}

export function endpointsOf(node: NodeSpec): Endpoint[] {
  const a = node.address;
  const list: Endpoint[] = [
    { address: a, port: node.ports.serfLan, proto: 'tcp', what: `${node.name} serf LAN` },
    { address: a, port: node.ports.serfLan, proto: 'udp', what: `${node.name} serf LAN` },
    { address: a, port: node.ports.http, proto: 'tcp', what: `${node.name} HTTP API` },
    { address: a, port: node.ports.dns, proto: 'tcp', what: `${node.name} DNS` },
    { address: a, port: node.ports.dns, proto: 'udp', what: `${node.name} DNS` },
  ];
  if (node.role === 'server') {
    list.push(
      { address: a, port: node.ports.server, proto: 'tcp', what: `${node.name} server RPC` },
      { address: a, port: node.ports.serfWan, proto: 'tcp', what: `${node.name} serf WAN` },
      { address: a, port: node.ports.serfWan, proto: 'udp', what: `${node.name} serf WAN` },
    );
  }
  return list;
}

export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  private consulPath: string | null = null;

  constructor(readonly dir: LabDir) {}

  async preflight(_spec: LabSpec, nodes: NodeSpec[]): Promise<void> {
    this.consulPath ??= (await resolveConsul()).path;
    const busy = await busyEndpoints(nodes.flatMap(endpointsOf));
    if (busy.length) {
      throw new Error(
        `cannot start: ${describeBusy(busy)}. Another lab or consul agent is using it: stop it (consul-lab down --lab DIR), or give this lab other addresses with --subnet.`,
      );
    }
  }

  warmUp(nodes: NodeSpec[]): void {
    armSupervisor(this.dir, 'agent', nodes.map((n) => n.name));
  }

  async cancelWarmUp(): Promise<void> {
    await disarmSupervisors(this.dir);
  }

  async startMachines(): Promise<void> {}
  async stopMachines(): Promise<void> {}
  async destroyMachines(): Promise<void> {}

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
    const rec = this.dir.readRun('agent', node.name);
    const state = rec ? procState(rec.pid) : 'gone';
    if (!rec || state === 'gone') return { process: 'stopped', pid: null, ui: false };
    return { process: state === 'stopped' ? 'paused' : 'running', pid: rec.pid, ui: rec.meta.ui === true };
  }

  async signalAgent(node: NodeSpec, sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const rec = this.dir.readRun('agent', node.name);
    if (!rec || !signal(rec.pid, sig)) throw new Error(`${node.name} is not running`);
  }

  async stopAgent(node: NodeSpec): Promise<void> {
    const rec = this.dir.readRun('agent', node.name);
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
    return `${exit ? `exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}` : 'not running'}${tail ? `; its last output:\n${tail}` : ''}`;
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

  strays(): { pid: number; argv: string[] }[] {
    const known = new Set(this.dir.liveRuns('agent').flatMap((r) => [r.pid, r.supervisorPid]));
    return findProcesses([join(this.dir.root, 'nodes') + '/', this.dir.runDir + '/']).filter((p) => !known.has(p.pid));
  }
}
