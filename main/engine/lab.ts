/**
 * The lab: everything the tutorial does by hand, as operations on real Consul agents, with progress and
 * state reported on one event stream. Plain Node: used alike by the CLI, the web host and the Electron main.
 * Each part lives in its own module: the life cycle (lab/lifecycle.ts: where an agent is started), snapshots
 * (lab/snapshot.ts), VMs (lab/machines.ts), KV (kv.ts), the Greeter (greeter/manager.ts).
 */
import { join } from 'node:path';
import { MUST_DESTROY, NO_VAGRANTFILE } from '../common/contract.js';
import { InputError } from '../common/names.js';
import type { VmAction } from '../common/steps.js';
import type {
  ClusterSnapshot,
  KvEntry,
  KvResult,
  LabEvent,
  LabSpec,
  MachineInfo,
  Member,
  NodeSpec,
  VagrantChoice,
} from '../common/types.js';
import type { AgentClient } from './consul/http.js';
import { GreeterManager } from './greeter/manager.js';
import { LabKv } from './kv.js';
import { actionEvent, LabCore, type LabContext } from './lab/core.js';
import { LabDir } from './lab/labdir.js';
import { Lifecycle } from './lab/lifecycle.js';
import { Machines } from './lab/machines.js';
import { Snapshots } from './lab/snapshot.js';
import { checkSpec, makeSpec, type SpecOptions } from './lab/spec.js';
import { createProvider } from './providers/index.js';
import type { Provider } from './providers/provider.js';

export interface LabOptions extends SpecOptions {
  dir: string;
}

export class Lab implements LabContext {
  readonly dir: LabDir;
  readonly spec: LabSpec;
  readonly provider: Provider;
  readonly greeter: GreeterManager;
  private readonly core: LabCore;
  private readonly snapshots: Snapshots;
  private readonly lifecycle: Lifecycle;
  private readonly vms: Machines;
  private readonly kv: LabKv;

  constructor(readonly options: LabOptions) {
    this.dir = new LabDir(options.dir);
    const marker = this.dir.marker();
    if (marker?.state === 'created') {
      this.checkMatches(marker.spec, options);
      this.spec = checkSpec(marker.spec);
    } else if (marker && !(['servers', 'clients', 'provider', 'subnet'] as const).some((k) => options[k] !== undefined)) {
      this.spec = checkSpec(marker.spec); // settings chosen before the first up
    } else {
      this.spec = checkSpec(makeSpec(options));
    }
    this.provider = createProvider(this.spec, this.dir);
    this.core = new LabCore(this.spec, this.dir, this.provider);
    this.greeter = new GreeterManager(this.core);
    this.snapshots = new Snapshots(this.core, this.greeter);
    const snapshot = () => this.snapshot();
    this.lifecycle = new Lifecycle(this.core, snapshot, this.greeter);
    this.vms = new Machines(this.core, snapshot);
    this.kv = new LabKv({
      agent: async (name) => this.client((await this.agentFor(name)).name),
      emit: (e) => this.emit(e),
      down: async () => (await this.core.processes()).filter(([, p]) => p !== 'running').map(([n]) => n.name),
    });
  }

  private checkMatches(saved: LabSpec, opts: LabOptions): void {
    const servers = saved.nodes.filter((n) => n.role === 'server').length;
    const clients = saved.nodes.length - servers;
    const diff: string[] = [];
    if (opts.servers !== undefined && opts.servers !== servers) diff.push(`${servers} server${servers === 1 ? '' : 's'}`);
    if (opts.clients !== undefined && opts.clients !== clients) diff.push(`${clients} client${clients === 1 ? '' : 's'}`);
    if (opts.provider !== undefined && opts.provider !== saved.provider) diff.push(`the ${saved.provider} provider`);
    const first = saved.nodes[0]?.address;
    if (opts.subnet !== undefined && !first?.startsWith(`${opts.subnet}.`)) diff.push(`addresses ${first}…`);
    if (diff.length) {
      const what = `the lab at ${this.dir.root} was created with ${diff.join(', ')}`;
      throw new InputError(`${what}: drop those options, or run destroy first, or use another --lab`);
    }
  }

  on(listener: (e: LabEvent) => void): () => void {
    return this.core.events.on(listener);
  }

  emit(e: LabEvent): void {
    this.core.emit(e);
  }

  node(name: string): NodeSpec {
    return this.core.node(name);
  }

  client(name: string): AgentClient {
    return this.core.client(name);
  }

  running(): Promise<NodeSpec[]> {
    return this.core.running();
  }

  agentFor(named?: string): Promise<NodeSpec> {
    return this.core.agentFor(named);
  }

  agentsInOrder(): Promise<NodeSpec[]> {
    return this.core.agentsInOrder();
  }

  /** Every live process the lab started (what down must leave none of). */
  leftovers(): { pid: number; argv: string[] }[] {
    return this.dir.processes();
  }

  // ---- state ---------------------------------------------------------------------------------------

  snapshot(): Promise<ClusterSnapshot> {
    return this.snapshots.snapshot();
  }

  members(from?: string): Promise<{ seenFrom: string; members: Member[] }> {
    return this.snapshots.members(from);
  }

  // ---- life cycle (lab/lifecycle.ts) ---------------------------------------------------------------

  up(): Promise<ClusterSnapshot> {
    return this.lifecycle.up();
  }
  join(name: string, target?: string): Promise<ClusterSnapshot> {
    return this.lifecycle.join(name, target);
  }
  leave(name: string): Promise<ClusterSnapshot> {
    return this.lifecycle.leave(name);
  }
  kill(name: string): Promise<ClusterSnapshot> {
    return this.lifecycle.kill(name);
  }
  pause(name: string): Promise<ClusterSnapshot> {
    return this.lifecycle.pause(name);
  }
  resume(name: string): Promise<ClusterSnapshot> {
    return this.lifecycle.resume(name);
  }
  rejoin(name: string): Promise<ClusterSnapshot> {
    return this.lifecycle.rejoin(name);
  }
  down(): Promise<ClusterSnapshot> {
    return this.lifecycle.down();
  }
  destroy(): Promise<{ destroyed: string }> {
    return this.lifecycle.destroy();
  }

  // ---- machines (lab/machines.ts) ------------------------------------------------------------------

  machines(): MachineInfo[] {
    return this.vms.machines();
  }
  machinesNow(): Promise<MachineInfo[]> {
    return this.vms.machinesNow();
  }
  findMachine(name: string, action: VmAction | 'show'): MachineInfo {
    return this.vms.findMachine(name, action);
  }
  vm(action: VmAction, name?: string): Promise<ClusterSnapshot> {
    return this.vms.vm(action, name);
  }

  // ---- settings ------------------------------------------------------------------------------------

  /**
   * The same lab directory with other settings, while it has never been brought up (or was destroyed):
   * a spec is fixed from the first up, in lab.json, until destroy.
   */
  reconfigure(opts: SpecOptions, vagrant?: VagrantChoice): Promise<Lab> {
    const { servers, clients, provider, subnet } = opts;
    return this.core.exclusive(
      'configure',
      { servers, clients, provider, subnet, vagrant },
      async () => {
        if (this.dir.created()) throw new InputError(MUST_DESTROY);
        const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
        const next = new Lab({ ...this.options, ...given, dir: this.dir.root });
        await this.provider.vagrantfile?.dropGenerated(this.spec);
        if (vagrant) next.provider.vagrantfile?.choose(vagrant);
        this.dir.mark('configured', next.spec);
        return next;
      },
      'configured',
    );
  }

  async vagrantfileGet(): Promise<{ path: string; text: string }> {
    const file = this.provider.vagrantfile;
    if (!file) throw new InputError(NO_VAGRANTFILE);
    this.dir.claim(this.spec, 'configured'); // the Vagrantfile is written into the lab's folder
    return { path: join(this.dir.root, 'Vagrantfile'), text: await file.read(this.spec) };
  }

  async vagrantfilePut(text: string): Promise<{ path: string; text: string }> {
    const file = this.provider.vagrantfile;
    if (!file) throw new InputError(NO_VAGRANTFILE);
    this.dir.claim(this.spec, 'configured');
    await file.save(text);
    this.emit(actionEvent('vagrantfilePut', {}, true));
    return this.vagrantfileGet();
  }

  // ---- KV (kv.ts) ----------------------------------------------------------------------------------

  kvPut(key: string, value: string | Uint8Array, node?: string): Promise<KvResult> {
    return this.kv.put(key, value, node);
  }
  kvGet(key: string, node?: string): Promise<KvResult> {
    return this.kv.get(key, node);
  }
  kvDelete(key: string, node?: string): Promise<KvResult> {
    return this.kv.delete(key, node);
  }
  kvList(prefix?: string, node?: string): Promise<{ servedBy: string; entries: KvEntry[] }> {
    return this.kv.list(prefix, node);
  }
}
