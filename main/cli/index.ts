/** The consul-lab CLI: the same engine as the app, driven from a terminal. Progress on stderr, results on stdout. */
import { readFileSync, statSync } from 'node:fs';
import { InputError, KV_MAX_VALUE_BYTES, checkKvSize } from '../common/names.js';
import { nodeStatuses } from '../common/node-status.js';
import type { ClusterSnapshot, LabEvent, ProviderName } from '../common/types.js';
import { defaultLabDir } from '../engine/consul/paths.js';
import type { Lab } from '../engine/lab.js';
import { LabDir } from '../engine/lab/labdir.js';
import { makeSpec, type SpecOptions } from '../engine/lab/spec.js';
import { armSupervisor, disarmSupervisors } from '../engine/process/launch.js';
import { intFlag, need, out, parseArgv, strFlag, type Parsed } from './args.js';
import { renderStatus } from './format.js';

const BOOLEANS = new Set(['json', 'follow', 'open', 'help', 'quiet', 'raw', 'views']);
const KNOWN = new Set([
  'lab',
  'provider',
  'servers',
  'clients',
  'subnet',
  'node',
  'count',
  'via',
  'port',
  'json',
  'follow',
  'open',
  'help',
  'quiet',
  'raw',
  'views',
  'from',
]);

const USAGE = `consul-lab: the Consul-on-Vagrant tutorial as a lab you can click, watch and break.

Usage: consul-lab COMMAND [options]

Lab:
  up                          start the servers, join them, elect a leader, start and join the client
  status [--json]             members (Consul's words), leader, raft quorum, each server's raft state
  members [--from NODE]       consul members as one agent sees it; --views: as each running agent sees it
  join NODE [TARGET]          make NODE's agent join TARGET (default: a running server)
  leave NODE                  graceful leave: NODE shows "left"
  kill NODE                   SIGKILL the agent: NODE shows "failed"
  pause NODE | resume NODE    SIGSTOP / SIGCONT: a hung node
  rejoin NODE                 restart the agent with -rejoin -ui
  logs NODE [--follow]        the agent's output
  down                        stop every agent and greeter, keep data
  destroy                     down, then delete the lab directory
KV:
  kv put KEY [VALUE | @FILE | -] [--node N]   VALUE as text, a file's bytes, or stdin's (at most 512 KiB)
  kv get KEY [--raw] [--node N]               the value and a newline; --raw: the exact bytes alone
  kv del KEY [--node N] | kv ls [PREFIX] [--node N]
                              keys are path segments: no "." or "..", no "//", no control characters
VMs (vagrant provider):
  vm up|halt|reload|provision [MACHINE]   one VM (n1, or its node agent-one), or each in turn; agents stay stopped
  vm destroy MACHINE | vm status [MACHINE]
Greeter (Go Micro, go.micro.srv.greeter):
  greeter start --node NODE | greeter stop ID | greeter kill ID
  greeter ls [--json]         every Go Micro service in Consul, with its tags decoded
  greeter call NAME [--count N] [--via NODE] [--json]
  greeter ensure              build the Greeter's programs (host and VMs) if needed; print their directory
Other:
  ui [--port P] [--open]      serve the lab window to a browser on 127.0.0.1
  consul ensure | consul path find (or build, or download) the consul binary and print its path

Options: --lab DIR (default ${defaultLabDir()}), --provider local|vagrant, --servers N, --clients M,
         --subnet 127.0.X (local provider addresses), --json, --quiet`;

function progressPrinter(quiet: boolean) {
  return (e: LabEvent) => {
    if (quiet) return;
    if (e.type === 'progress') {
      const mark = e.status === 'start' ? '…' : e.status === 'done' ? '✓' : '✗';
      const secs = (e.elapsedMs / 1000).toFixed(1);
      process.stderr.write(`${mark} ${e.label}${e.message ? `: ${e.message}` : ''} [${secs}s]\n`);
    }
  };
}

function labOptions(p: Parsed): SpecOptions & { dir: string } {
  const provider = strFlag(p, 'provider');
  if (provider !== undefined && provider !== 'local' && provider !== 'vagrant') {
    throw new InputError(`--provider must be local or vagrant, got ${provider}`);
  }
  return {
    dir: strFlag(p, 'lab') ?? defaultLabDir(),
    provider: provider as ProviderName | undefined,
    servers: intFlag(p, 'servers'),
    clients: intFlag(p, 'clients'),
    subnet: strFlag(p, 'subnet'),
  };
}

/**
 * For `up` on local agents: start their supervisor before the engine is even loaded, so that its start-up
 * overlaps the CLI's (the engine's own bring-up takes it over, and calls it off if it does not run).
 */
function armEarly(opts: SpecOptions & { dir: string }): LabDir | null {
  try {
    const dir = new LabDir(opts.dir);
    const marker = dir.marker();
    const spec = marker?.spec ?? makeSpec(opts);
    if (spec.provider !== 'local') return null;
    dir.claim(spec, 'new'); // the supervisor carries the lab's id; a first up that fails removes the lab again
    armSupervisor(
      dir,
      'agent',
      spec.nodes.map((n) => n.name),
    );
    return dir;
  } catch {
    return null; // bad options or a folder that cannot be a lab: the real run reports them
  }
}

export function statusJson(s: ClusterSnapshot) {
  const status = nodeStatuses(s);
  return {
    leader: s.leader,
    seenFrom: s.seenFrom,
    raft: s.raft,
    members: s.members.map((m) => ({ name: m.name, address: m.address, status: m.status, role: m.role, build: m.build, dc: m.dc })),
    nodes: s.nodes.map((n) => ({ ...n, status: status[n.name] })),
    greeters: s.greeters,
  };
}

async function main(argv: string[]): Promise<number> {
  const p = parseArgv(argv, BOOLEANS, KNOWN);
  const cmd = p.positionals[0];
  if (!cmd || p.flags.has('help') || cmd === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return cmd || p.flags.has('help') ? 0 : 2;
  }
  if (cmd === 'consul') {
    const sub = need(p, 1, 'consul subcommand (ensure or path)');
    const log = (l: string) => process.stderr.write(`${l}\n`);
    if (sub !== 'ensure' && sub !== 'path') throw new InputError(`unknown consul subcommand ${sub}: use ensure or path`);
    const { resolveConsul } = await import('../engine/consul/resolve.js');
    const c = await resolveConsul({ obtain: sub === 'ensure', log });
    log(`consul v${c.version} (${c.source})`);
    process.stdout.write(`${c.path}\n`);
    return 0;
  }

  if (cmd === 'greeter' && p.positionals[1] === 'ensure') return (await import('./greeter.js')).greeterEnsure(p);

  const opts = labOptions(p);
  const armed = cmd === 'up' ? armEarly(opts) : null;
  try {
    return await run(cmd, p, new (await import('../engine/lab.js')).Lab(opts));
  } finally {
    if (armed) {
      await disarmSupervisors(armed);
      armed.dropIfUnborn();
    }
  }
}

async function run(cmd: string, p: Parsed, lab: Lab): Promise<number> {
  lab.on(progressPrinter(p.flags.has('quiet') || p.flags.has('json')));
  const snap = (s: ClusterSnapshot) => out(p, statusJson(s), () => renderStatus(s));
  const node = () => need(p, 1, 'node name');

  switch (cmd) {
    case 'up':
      snap(await lab.up());
      return 0;
    case 'status':
      snap(await lab.snapshot());
      return 0;
    case 'join':
      snap(await lab.join(node(), p.positionals[2]));
      return 0;
    case 'leave':
      snap(await lab.leave(node()));
      return 0;
    case 'kill':
      snap(await lab.kill(node()));
      return 0;
    case 'pause':
      snap(await lab.pause(node()));
      return 0;
    case 'resume':
      snap(await lab.resume(node()));
      return 0;
    case 'rejoin':
      snap(await lab.rejoin(node()));
      return 0;
    case 'down':
      snap(await lab.down());
      return 0;
    case 'destroy': {
      const r = await lab.destroy();
      out(p, r, () => `destroyed ${r.destroyed}`);
      return 0;
    }
    case 'logs': {
      const { readTail, LogTail } = await import('../engine/process/log-tail.js');
      const n = lab.node(node());
      const file = lab.dir.logFile(n.name);
      process.stdout.write(readTail(file, 256 * 1024));
      if (!p.flags.has('follow')) return 0;
      const tail = new LogTail(file, (d) => process.stdout.write(d));
      tail.start();
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      tail.stop();
      return 0;
    }
    case 'kv':
      return kv(lab, p);
    case 'members':
      return (await import('./members.js')).membersCommand(lab, p);
    case 'vm':
      return (await import('./vm.js')).vmCommand(lab, p, snap);
    case 'greeter':
      return (await import('./greeter.js')).greeterCommand(lab, p);
    case 'ui': {
      const serve = { lab: lab.options, port: intFlag(p, 'port') ?? 0, open: p.flags.has('open') };
      return (await import('../doors/door-process.js')).runDoor(new URL('../web/serve', import.meta.url), serve);
    }
    default:
      throw new InputError(`unknown command ${cmd}: see consul-lab --help`);
  }
}

async function kv(lab: Lab, p: Parsed): Promise<number> {
  const sub = need(p, 1, 'kv subcommand (put, get, del or ls)');
  const nodeFlag = strFlag(p, 'node');
  switch (sub) {
    case 'put': {
      if (p.positionals.length > 4) throw new InputError('kv put takes a KEY and one VALUE (quote a value with spaces, or use @FILE or -)');
      const r = await lab.kvPut(need(p, 2, 'key'), await kvValue(p.positionals[3] ?? ''), nodeFlag);
      out(p, r, () => `Success! Data written to: ${r.key} (through ${r.servedBy})`);
      return 0;
    }
    case 'get': {
      const r = await lab.kvGet(need(p, 2, 'key'), nodeFlag);
      // As `consul kv get` prints a value: its bytes and a newline; --raw: the bytes alone; --json: base64 among the rest.
      const bytes = Buffer.from(r.base64 ?? '', 'base64');
      const shown = p.flags.has('json')
        ? Buffer.from(`${JSON.stringify(r, null, 2)}\n`)
        : Buffer.concat([bytes, Buffer.from(p.flags.has('raw') ? '' : '\n')]);
      await new Promise((done) => process.stdout.write(shown, done));
      return 0;
    }
    case 'del': {
      const r = await lab.kvDelete(need(p, 2, 'key'), nodeFlag);
      out(p, r, () => `Success! Deleted key: ${r.key} (through ${r.servedBy})`);
      return 0;
    }
    case 'ls': {
      const r = await lab.kvList(p.positionals[2], nodeFlag);
      out(p, r, () => r.entries.map((e) => e.key).join('\n'));
      return 0;
    }
    default:
      throw new InputError(`unknown kv subcommand ${sub}: use put, get, del or ls`);
  }
}

/** A put's VALUE as Consul's CLI reads it: @FILE is the file's bytes, - is stdin's, anything else the text itself. */
async function kvValue(arg: string): Promise<string | Buffer> {
  if (arg.startsWith('@')) {
    const file = arg.slice(1);
    try {
      checkKvSize(statSync(file).size);
      return readFileSync(file);
    } catch (err) {
      if (err instanceof InputError) throw err;
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.message;
      throw new InputError(`cannot read ${file} (the value's @FILE): ${why}`);
    }
  }
  if (arg !== '-') return arg;
  // Past the limit only the size is kept, to be reported.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= KV_MAX_VALUE_BYTES) chunks.push(chunk);
  }
  checkKvSize(size);
  return Buffer.concat(chunks);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`consul-lab: ${err.message}\n`);
    process.exit(err instanceof InputError ? 2 : 1);
  },
);
