/**
 * What every part of the lab works with: its topology, folder, provider and event stream, its agents by name,
 * and the rule that operations changing the lab run one at a time, with progress reported step by step.
 */
import { InputError, checkNodeName } from '../../common/names.js';
import type { StepDef } from '../../common/steps.js';
import type { ActionArgs, ActionEvent, ActionOp, LabEvent, LabSpec, NodeSpec, ProcessState } from '../../common/types.js';
import { AgentClient } from '../consul/http.js';
import { EventStream } from '../events.js';
import type { Progress, Provider } from '../providers/provider.js';
import type { LabDir } from './labdir.js';
import { servingAgent, servingOrder, unavailable, type AgentState } from './serving.js';
import { findNode, httpAddr } from './spec.js';

/** The narrow view of a lab that its parts (Greeter, terminals, KV) use. */
export interface LabContext {
  readonly spec: LabSpec;
  readonly dir: LabDir;
  readonly provider: Provider;
  node(name: string): NodeSpec;
  client(name: string): AgentClient;
  emit(e: LabEvent): void;
  /** The agent a request goes through (serving.ts): the one named, else the first running, clients first. */
  agentFor(named?: string): Promise<NodeSpec>;
  /** The running agents in the order a request tries them. */
  agentsInOrder(): Promise<NodeSpec[]>;
}

export class LabCore implements LabContext {
  readonly events = new EventStream();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly spec: LabSpec,
    readonly dir: LabDir,
    readonly provider: Provider,
  ) {}

  emit(e: LabEvent): void {
    this.events.emit(e);
  }

  node(name: string): NodeSpec {
    return findNode(this.spec, checkNodeName(name));
  }

  client(name: string): AgentClient {
    const n = this.node(name);
    return new AgentClient(n.name, httpAddr(n));
  }

  /**
   * Operations that change the lab run one at a time, in this process and across processes, and only on a lab:
   * up and configure make the folder one (`claim`), every other operation refuses a folder that is not.
   */
  exclusive<K extends ActionOp, T>(op: K, args: ActionArgs[K], fn: () => Promise<T>, claim?: 'new' | 'configured'): Promise<T> {
    const run = async () => {
      let unlock: () => void = () => {};
      try {
        this.dir.refuseDangerous(op);
        if (claim) this.dir.claim(this.spec, claim);
        unlock = this.dir.lock(op);
        const result = await fn();
        this.emit(actionEvent(op, args, true));
        return result;
      } catch (err) {
        this.emit(actionEvent(op, args, false, (err as Error).message));
        throw err;
      } finally {
        unlock();
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Progress of one operation: each report carries the time since the operation began. */
  progress(op: string): Progress {
    const started = Date.now();
    return (step, label, status, message) =>
      this.emit({ type: 'progress', op, step, label, status, message, elapsedMs: Date.now() - started, at: Date.now() });
  }

  /** Runs one step of an operation, reporting its start and its end (done, or fail with the reason). */
  async step<T>(p: Progress, def: StepDef | undefined, fn: () => Promise<T>): Promise<T> {
    const { step, label } = def!;
    p(step, label, 'start');
    try {
      const r = await fn();
      p(step, label, 'done', typeof r === 'string' ? r : undefined);
      return r;
    } catch (err) {
      p(step, label, 'fail', (err as Error).message);
      throw err;
    }
  }

  async processes(): Promise<[NodeSpec, ProcessState][]> {
    return Promise.all(this.spec.nodes.map(async (n) => [n, (await this.provider.agentProcess(n)).process] as [NodeSpec, ProcessState]));
  }

  /** The nodes whose agent runs (or is paused). */
  async running(): Promise<NodeSpec[]> {
    return (await this.processes()).filter(([, p]) => p !== 'stopped').map(([n]) => n);
  }

  private async agents(): Promise<(NodeSpec & AgentState)[]> {
    return (await this.processes()).map(([n, process]) => ({ ...n, process }));
  }

  async agentFor(named?: string): Promise<NodeSpec> {
    if (named !== undefined) this.node(named);
    return servingAgent(await this.agents(), named);
  }

  async agentsInOrder(): Promise<NodeSpec[]> {
    return servingOrder(await this.agents());
  }

  /** The node, if its agent runs; a paused one may still be killed or resumed. */
  async requireRunning(name: string, verb: string): Promise<NodeSpec> {
    const n = this.node(name);
    const { process } = await this.provider.agentProcess(n);
    const why = process === 'paused' && (verb === 'kill' || verb === 'resume') ? null : unavailable({ ...n, process }, verb);
    if (why) throw new InputError(why);
    return n;
  }
}

/** The action event of one operation, its arguments typed by the operation. */
export function actionEvent<K extends ActionOp>(op: K, args: ActionArgs[K], ok: boolean, error?: string): ActionEvent {
  const at = Date.now();
  return (ok ? { type: 'action', op, args, ok, at } : { type: 'action', op, args, ok, error, at }) as ActionEvent;
}

export function byStep(steps: StepDef[]): Record<string, StepDef> {
  return Object.fromEntries(steps.map((s) => [s.step, s]));
}
