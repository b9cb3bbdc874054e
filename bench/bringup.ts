// Time from start to "leader + all alive": `consul-lab up` against a plain shell script that starts the same
// agents with the same flags and polls /v1/status/leader and /v1/agent/members, side by side, in one run.
// Usage: node --import tsx bench/bringup.ts [rounds]. It builds first and times the built CLI, as installed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConsul } from '../main/engine/consul/resolve.js';
import { agentArgs, agentConfig } from '../main/engine/providers/agent-config.js';
import { LabDir } from '../main/engine/lab/labdir.js';
import { makeSpec } from '../main/engine/lab/spec.js';
import { terminate } from '../main/engine/process/procs.js';
import { ROOT, processesMentioning, tempDir } from '../test/helpers.js';

const rounds = Number(process.argv[2] ?? 3);
spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: 'inherit' });
const BUILT_CLI = join(ROOT, 'out', 'main', 'cli', 'index.js');
const consul = (await resolveConsul()).path;

function shellScript(dir: string, subnet: string): string {
  const spec = makeSpec({ subnet });
  const lines = ['#!/bin/sh', 'set -e'];
  const start = (n: (typeof spec.nodes)[number]) => {
    const paths = { dataDir: join(dir, n.name, 'data'), configDir: join(dir, n.name, 'config') };
    mkdirSync(paths.configDir, { recursive: true });
    writeFileSync(join(paths.configDir, 'consul-lab.json'), JSON.stringify(agentConfig(spec, n)));
    const args = agentArgs(spec, n, paths, { rejoin: false, ui: false })
      .map((a) => `'${a}'`)
      .join(' ');
    return `'${consul}' ${args} >'${join(dir, n.name)}.log' 2>&1 &`;
  };
  const [one, two, client] = spec.nodes;
  const api = (n: typeof one) => `http://${n!.address}:8500`;
  // The tutorial's order, as consul-lab up follows it: servers, join, leader, then the client.
  lines.push(
    start(one!),
    start(two!),
    `until curl -sf ${api(one)}/v1/agent/self >/dev/null && curl -sf ${api(two)}/v1/agent/self >/dev/null; do sleep 0.05; done`,
    `curl -sf -X PUT ${api(one)}/v1/agent/join/${two!.address}:8301 >/dev/null`,
    `until [ "$(curl -sf ${api(one)}/v1/status/leader)" != '""' ] && ` +
      `[ -n "$(curl -sf ${api(one)}/v1/status/leader)" ]; do sleep 0.05; done`,
    start(client!),
    `until curl -sf ${api(client)}/v1/agent/self >/dev/null; do sleep 0.05; done`,
    `curl -sf -X PUT ${api(client)}/v1/agent/join/${one!.address}:8301 >/dev/null`,
    `until [ "$(curl -sf ${api(one)}/v1/agent/members | grep -o '"Status":1' | wc -l)" -eq 3 ]; do sleep 0.05; done`,
  );
  const file = join(dir, 'up.sh');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o755 });
  return file;
}

async function timeShell(subnet: string): Promise<number> {
  const dir = tempDir('bench-sh-');
  const script = shellScript(dir, subnet);
  const t0 = performance.now();
  const r = spawnSync('sh', [script], { stdio: 'inherit', timeout: 120_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error('the shell bring-up failed');
  for (const p of processesMentioning([dir])) await terminate(p.pid);
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** Resident memory of the lab's processes (agents and their supervisors), found by the lab's id. */
function labRssMb(dir: string): number {
  const kb = new LabDir(dir)
    .processes()
    .map((p) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0));
  return kb.reduce((a, b) => a + b, 0) / 1024;
}

async function timeLab(subnet: string, topology: string[] = [], rss?: number[]): Promise<number> {
  const dir = join(tempDir('bench-lab-'), 'lab');
  const t0 = performance.now();
  let ms = 0;
  // Timed to the moment it reports "leader + all alive" (its last step), as the script is timed to its last poll.
  const child = spawn(process.execPath, [BUILT_CLI, 'up', '--lab', dir, '--subnet', subnet, ...topology], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d: Buffer) => {
    if (!ms && /✓ All members alive/.test(d.toString())) ms = performance.now() - t0;
  });
  const r = await new Promise<number | null>((res) => child.on('close', res));
  if (r !== 0 || !ms) throw new Error('consul-lab up failed');
  rss?.push(labRssMb(dir));
  spawnSync(process.execPath, [BUILT_CLI, 'destroy', '--quiet', '--lab', dir], { stdio: 'inherit' });
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lab: number[] = [];
const sh: number[] = [];
for (let i = 0; i < rounds; i++) {
  // Alternate the order so that neither side always runs on a warmer machine.
  if (i % 2 === 0) {
    lab.push(await timeLab('127.0.50'));
    sh.push(await timeShell('127.0.51'));
  } else {
    sh.push(await timeShell('127.0.51'));
    lab.push(await timeLab('127.0.50'));
  }
}
const rows = [
  ['', 'median ms', 'min ms', 'max ms'],
  ['consul-lab up', median(lab), Math.min(...lab), Math.max(...lab)].map((v) => (typeof v === 'number' ? v.toFixed(0) : v)),
  ['shell script', median(sh), Math.min(...sh), Math.max(...sh)].map((v) => (typeof v === 'number' ? v.toFixed(0) : v)),
];
console.log(`\nbring-up to "leader + all alive", ${rounds} rounds each (2 servers + 1 client)`);
for (const r of rows) console.log(r.map((c, i) => String(c).padStart(i ? 10 : 14)).join(' '));
const ratio = median(lab) / median(sh);
console.log(`ratio consul-lab / shell: ${ratio.toFixed(2)} (goal ≤ 1.15) ${ratio <= 1.15 ? 'MET' : 'NOT MET'}`);

// A lab for gossip: 5 servers and 20 clients, up in one command (no shell counterpart: the ratio above is the goal).
const big: number[] = [];
const bigRss: number[] = [];
for (let i = 0; i < Math.min(rounds, 5); i++) big.push(await timeLab('127.0.52', ['--servers', '5', '--clients', '20'], bigRss));
console.log(
  `\n5 servers + 20 clients, ${big.length} rounds: up to "leader + all alive" median ${median(big).toFixed(0)} ms ` +
    `(min ${Math.min(...big).toFixed(0)}, max ${Math.max(...big).toFixed(0)}); RSS of the lab's 25 agents and their supervisor ` +
    `${median(bigRss).toFixed(0)} MB (${(median(bigRss) / 25).toFixed(0)} MB a node)`,
);
