/** The lab's VMs one by one: their state as Vagrant last said, and up, halt, reload, provision, destroy. */
import { NO_MACHINES } from '../../common/contract.js';
import { InputError } from '../../common/names.js';
import { VM_ACTIONS, type VmAction } from '../../common/steps.js';
import type { ClusterSnapshot, MachineInfo } from '../../common/types.js';
import type { LabCore } from './core.js';

export class Machines {
  constructor(
    private readonly lab: LabCore,
    private readonly snapshot: () => Promise<ClusterSnapshot>,
  ) {}

  /** The lab's VMs as last seen; refused, with the reason, for a provider that has none. */
  machines(): MachineInfo[] {
    if (!this.lab.provider.power) throw new InputError(NO_MACHINES);
    return this.lab.provider.power.machines(this.lab.spec);
  }

  /** The lab's VMs as Vagrant says now (status). */
  async machinesNow(): Promise<MachineInfo[]> {
    await this.lab.provider.power?.refresh();
    return this.machines();
  }

  /** The machine named (n1) or the one a node (agent-one) runs in; refused for nodes on the host. */
  findMachine(name: string, action: VmAction | 'show'): MachineInfo {
    const all = this.machines();
    const m = all.find((x) => x.name === name || x.node === name);
    if (m) return m;
    const host = this.lab.spec.nodes.find((n) => n.name === name || n.machine === name);
    if (host) throw new InputError(`${host.name} runs on the host, not in a VM: there is no machine to ${action}`);
    throw new InputError(`unknown machine "${name}": this lab's VMs are ${all.map((x) => `${x.name} (${x.node})`).join(', ')}`);
  }

  /**
   * `vagrant up|halt|reload|provision|destroy` on one VM, or on each in turn; the agents in them are left
   * stopped (rejoin them), as after a real power cycle.
   */
  async vm(action: VmAction, name?: string): Promise<ClusterSnapshot> {
    if (!(action in VM_ACTIONS)) throw new InputError(`unknown machine action "${action}": use ${Object.keys(VM_ACTIONS).join(', ')}`);
    if (action === 'destroy' && !name)
      throw new InputError('vm destroy needs the machine to destroy (for example n2): to remove the whole lab, run destroy');
    const targets = name ? [this.findMachine(name, action)] : this.machines();
    for (const m of targets) {
      if (action !== 'up' && !m.made)
        throw new InputError(`${m.name} was never created by this lab (Vagrant has no machine for it): nothing to ${action}`);
    }
    return this.lab.exclusive('vm', { action, machine: name }, async () => {
      const p = this.lab.progress('vm');
      for (const m of targets) await this.lab.provider.power!.machineAction(this.lab.spec, m.name, action, p);
      return this.snapshot();
    });
  }
}
