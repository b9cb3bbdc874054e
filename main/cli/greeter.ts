/**
 * consul-lab greeter: start, stop, kill and list the Go Micro Greeter's instances (with every Go Micro registration
 * in the cluster, its tags decoded), call it through Consul, and build it.
 */
import { describeValue, dnsNote } from '../common/gomicro.js';
import { InputError } from '../common/names.js';
import type { GreeterCall, GreeterInstance } from '../common/types.js';
import type { Lab } from '../engine/lab.js';
import { intFlag, need, out, strFlag, type Parsed } from './args.js';
import { table } from './format.js';

function instances(list: GreeterInstance[]): string {
  return table([
    ['ID', 'Service', 'Node', 'Address', 'PID', 'Process', 'Health', 'Check'],
    ...list.map((g) => [
      g.id,
      g.service,
      g.node,
      `${g.address}:${g.port}`,
      g.pid === null ? '-' : String(g.pid),
      g.process,
      g.health,
      g.check ? `${g.check.type} ${g.check.status}${g.ttlS ? ` (TTL ${g.ttlS} s)` : ''}` : '-',
    ]),
  ]);
}

/** What Consul holds as hex in each service's tags, decoded: its version, endpoints and metadata. */
function registry(list: GreeterInstance[]): string {
  const services = new Map<string, GreeterInstance>();
  for (const g of list) if (g.gomicro && !services.has(g.service)) services.set(g.service, g);
  return [...services.values()]
    .flatMap(({ service, gomicro }) => {
      const note = dnsNote(service);
      return [
        `${service}  version ${gomicro!.version ?? '-'}`,
        ...(note ? [`  ${note}`] : []),
        ...gomicro!.endpoints.map((e) => `  endpoint ${e.name}: ${describeValue(e.request)} → ${describeValue(e.response)}`),
        `  metadata ${
          Object.entries(gomicro!.metadata)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '-'
        }`,
      ];
    })
    .join('\n');
}

function listing(list: GreeterInstance[]): string {
  if (!list.length) return 'no Go Micro services are registered: start a Greeter with consul-lab greeter start --node NODE';
  const decoded = registry(list);
  return decoded ? `${instances(list)}\n\n${decoded}` : instances(list);
}

function callLine(c: GreeterCall): string {
  const retried = (c.attempts ?? 1) > 1 ? `, ${c.attempts} instances tried` : '';
  const times = `discovery ${c.discoveryMs.toFixed(2)} ms, call ${c.callMs.toFixed(2)} ms${retried}`;
  return c.ok ? `${c.msg}  (${c.instance} on ${c.node}; ${c.path.join(' → ')}; ${times})` : `failed: ${c.error}`;
}

/** greeter ensure: needs no lab. Builds what is missing for the host and the VMs, and prints where the programs are. */
export async function greeterEnsure(p: Parsed): Promise<number> {
  const { allPlatforms, ensureGreeter } = await import('../engine/greeter/binaries.js');
  const platforms = allPlatforms();
  const dir = await ensureGreeter(platforms, (l) => process.stderr.write(`${l}\n`));
  out(p, { dir, platforms }, () => dir);
  return 0;
}

export async function greeterCommand(lab: Lab, p: Parsed): Promise<number> {
  const sub = need(p, 1, 'greeter subcommand (start, stop, kill, ls, call or ensure)');
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
      out(p, list, () => listing(list));
      return 0;
    }
    case 'call': {
      const calls = await lab.greeter.call(need(p, 2, 'name to greet'), intFlag(p, 'count') ?? 1, strFlag(p, 'via'));
      out(p, calls, () => calls.map(callLine).join('\n'));
      return calls.every((c) => c.ok) ? 0 : 1;
    }
    default:
      throw new InputError(`unknown greeter subcommand ${sub}: use start, stop, kill, ls, call or ensure`);
  }
}
