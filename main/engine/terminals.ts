/**
 * Interactive terminals (a node's shell) and agent-log followers for the doors. Each terminal is a session
 * owning its pty and a batcher (as in Hyper), with ack-based flow control (as in Tabby).
 */
import * as pty from 'node-pty';
import { Batcher, FlowControl } from './process/batcher.js';
import { LogTail, readTail } from './process/log-tail.js';
import { machinesOf } from '../common/steps.js';
import { GossipReader } from './cluster/gossip-log.js';
import type { MachineInfo } from '../common/types.js';
import type { LabContext } from './lab/core.js';

interface Session {
  pty: pty.IPty;
  batcher: Batcher;
  flow: FlowControl;
}

export const MAX_TERMINALS = 32;

export class Terminals {
  private sessions = new Map<string, Session>();
  private tails = new Map<string, LogTail>();

  constructor(private readonly lab: LabContext & { findMachine(name: string, action: 'show'): MachineInfo }) {}

  open(id: string, node: string, cols: number, rows: number): { id: string } {
    const n = this.lab.node(node);
    if (this.sessions.has(id)) throw new Error(`terminal ${id} is already open`);
    if (this.sessions.size >= MAX_TERMINALS) throw new Error(`too many terminals open (${MAX_TERMINALS}): close some first`);
    const cmd = this.lab.provider.shell(n);
    const p = pty.spawn(cmd.file, cmd.args, {
      name: 'xterm-256color',
      cols,
      rows,
      cwd: cmd.cwd,
      env: { ...process.env, ...cmd.env } as Record<string, string>,
    });
    const batcher = new Batcher((data) => {
      flow.sent(data.length);
      this.lab.emit({ type: 'term-data', id, data });
    });
    const flow = new FlowControl(
      () => p.pause(),
      () => p.resume(),
    );
    p.onData((d) => batcher.push(d));
    p.onExit(({ exitCode }) => {
      batcher.dispose();
      this.sessions.delete(id);
      this.lab.emit({ type: 'term-exit', id, code: exitCode });
    });
    this.sessions.set(id, { pty: p, batcher, flow });
    return { id };
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`no open terminal ${id}`);
    return s;
  }

  write(id: string, data: string): null {
    this.get(id).pty.write(data);
    return null;
  }

  resize(id: string, cols: number, rows: number): null {
    this.get(id).pty.resize(cols, rows);
    return null;
  }

  ack(id: string, chars: number): null {
    this.sessions.get(id)?.flow.ack(chars);
    return null;
  }

  close(id: string): null {
    const s = this.sessions.get(id);
    if (s) {
      s.batcher.dispose();
      s.pty.kill();
      this.sessions.delete(id);
    }
    return null;
  }

  /** Follow every agent's log and every VM's machine log, emitting 'log' and 'machine-log' events, while a door is open. */
  followLogs(): void {
    for (const n of this.lab.spec.nodes) {
      if (this.tails.has(n.name)) continue;
      const gossip = new GossipReader(n.name, (e) => this.lab.emit(e));
      const t = new LogTail(this.lab.dir.logFile(n.name), (data) => {
        this.lab.emit({ type: 'log', node: n.name, data });
        gossip.push(data);
      });
      t.start();
      this.tails.set(n.name, t);
    }
    const power = this.lab.provider.power;
    for (const machine of machinesOf(this.lab.spec)) {
      if (!power || this.tails.has(`machine:${machine}`)) continue;
      const t = new LogTail(power.machineLog(machine), (data) => this.lab.emit({ type: 'machine-log', machine, data }));
      t.start();
      this.tails.set(`machine:${machine}`, t);
    }
  }

  logTail(node: string, bytes = 64 * 1024): { node: string; data: string } {
    const n = this.lab.node(node);
    return { node: n.name, data: readTail(this.lab.dir.logFile(n.name), bytes) };
  }

  machineLogTail(machine: string, bytes = 64 * 1024): { machine: string; data: string } {
    const m = this.lab.findMachine(machine, 'show');
    return { machine: m.name, data: readTail(this.lab.provider.power!.machineLog(m.name), bytes) };
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
    for (const t of this.tails.values()) t.stop();
    this.tails.clear();
  }
}
