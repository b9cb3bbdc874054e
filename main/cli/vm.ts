/** consul-lab vm: the lab's VMs one by one — up, halt, reload, provision, destroy — and their state in Vagrant's words. */
import { InputError } from '../common/names.js';
import { VM_ACTIONS, type VmAction } from '../common/steps.js';
import type { ClusterSnapshot, MachineInfo } from '../common/types.js';
import type { Lab } from '../engine/lab.js';
import { need, out, type Parsed } from './args.js';
import { table } from './format.js';

function machines(list: MachineInfo[]): string {
  return table([['Machine', 'Node', 'State', 'Provider', 'Box'], ...list.map((m) => [m.name, m.node, m.state, m.provider, m.box])]);
}

export async function vmCommand(lab: Lab, p: Parsed, snap: (s: ClusterSnapshot) => void): Promise<number> {
  const action = need(p, 1, `vm action (${Object.keys(VM_ACTIONS).join(', ')} or status)`);
  const name = p.positionals[2];
  if (action === 'status') {
    const all = await lab.machinesNow();
    const shown = name ? [lab.findMachine(name, 'show')] : all;
    out(p, shown, () => machines(shown));
    return 0;
  }
  if (!(action in VM_ACTIONS)) throw new InputError(`unknown vm action "${action}": use ${Object.keys(VM_ACTIONS).join(', ')} or status`);
  snap(await lab.vm(action as VmAction, name));
  return 0;
}
