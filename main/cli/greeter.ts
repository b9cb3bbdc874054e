/** consul-lab greeter: start, stop, kill and list Greeter instances, and call the Greeter through Consul. */
import { InputError } from '../common/names.js';
import type { GreeterCall, GreeterInstance } from '../common/types.js';
import type { Lab } from '../engine/lab.js';
import { intFlag, need, out, strFlag, type Parsed } from './args.js';
import { table } from './format.js';


function instances(list: GreeterInstance[]): string {
  if (!list.length) return 'no greeter instances: start one with consul-lab greeter start --node NODE';
  return table([
    ['ID', 'Node', 'Address', 'PID', 'Process', 'Health', 'Version'],
    ...list.map((g) => [
      g.id,
      g.node,
      `${g.address}:${g.port}`,
      g.pid === null ? '-' : String(g.pid),
      g.framework ? `${g.process} (${g.framework})` : g.process,
      g.health,
      g.version ?? '-',
    ]),
  ]);
}

function callLine(c: GreeterCall): string {
  const times = `discovery ${c.discoveryMs.toFixed(2)} ms, call ${c.callMs.toFixed(2)} ms`;
  return c.ok ? `${c.msg}  (${c.instance} on ${c.node}; ${c.path.join(' → ')}; ${times})` : `failed: ${c.error}`;
}

export async function greeterCommand(lab: Lab, p: Parsed): Promise<number> {
  const sub = need(p, 1, 'greeter subcommand (start, stop, kill, ls or call)');
  switch (sub) {
    case 'start': {
      const node = strFlag(p, 'node');
      if (!node) throw new InputError('greeter start needs --node NODE (for example --node agent-one)');
      const g = await lab.greeter.start(node);
      out(p, g, () => g.id);
      return 0;
    }
    case 'stop':
    case 'kill': {
      const id = need(p, 2, 'greeter instance id (see greeter ls)');
      const g = sub === 'stop' ? await lab.greeter.stop(id) : await lab.greeter.kill(id);
      out(p, g, () => `${sub === 'stop' ? 'stopped' : 'killed'} ${g.id} on ${g.node} (${g.health})`);
      return 0;
    }
    case 'ls': {
      const list = await lab.greeter.list();
      out(p, list, () => instances(list));
      return 0;
    }
    case 'call': {
      const calls = await lab.greeter.call(need(p, 2, 'name to greet'), intFlag(p, 'count') ?? 1, strFlag(p, 'via'));
      out(p, calls, () => calls.map(callLine).join('\n'));
      return calls.every((c) => c.ok) ? 0 : 1;
    }
    default:
      throw new InputError(`unknown greeter subcommand ${sub}: use start, stop, kill, ls or call`);
  }
}
