/**
 * Greeter call latency with Go Micro's client (greeter-client): through discovery, Go Micro's selector finding
 * the instance through agent-client (its cache warm: every call after the first of a run), against a direct call
 * to the instance's address (--address), in alternating runs of the same program so that both see the same
 * machine load. The first call of each discovery run, whose lookup is cold, is reported apart.
 * Run: node --import tsx bench/greeter.ts [--calls N] [--rounds R]
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureGreeter, hostPlatform, programFile } from '../main/engine/greeter/binaries.js';
import { httpAddr } from '../main/engine/lab/spec.js';
import { tempLab } from '../test/helpers.js';

const arg = (name: string, def: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || def;
const CALLS = arg('calls', 500);
const ROUNDS = arg('rounds', 6);

interface Line {
  ok: boolean;
  msg?: string;
  error?: string;
  discovery_ms: number;
  latency_ms: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const lab = tempLab({ subnet: '127.0.29' });
  try {
    process.stderr.write('bringing up a lab on 127.0.29.x and starting one Greeter on agent-one…\n');
    await lab.up();
    const g = await lab.greeter.start('agent-one');
    const client = programFile(await ensureGreeter([hostPlatform()]), hostPlatform(), 'greeter-client');
    const calls = async (how: string[]): Promise<Line[]> => {
      const env = { ...process.env, MICRO_TLS_SECURE: 'true' };
      const args = [...how, '--count', String(CALLS), '--json', 'John'];
      const { stdout } = await promisify(execFile)(client, args, { env, maxBuffer: 1 << 26 });
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line);
      const bad = lines.find((l) => !l.ok || l.msg !== 'Hello John');
      if (bad) throw new Error(`unexpected answer: ${JSON.stringify(bad)}`);
      return lines;
    };
    const viaDiscovery = ['--registry_address', new URL(httpAddr(lab.node('agent-client'))).host];
    const direct = ['--address', `${g.address}:${g.port}`];
    const warm: number[] = [];
    const known: number[] = [];
    const cold: number[] = [];
    const coldLookup: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which runs first, so that neither always follows the other.
      for (const how of r % 2 ? [direct, viaDiscovery] : [viaDiscovery, direct]) {
        const [first, ...rest] = await calls(how);
        if (how === direct) known.push(...rest.map((l) => l.latency_ms));
        else {
          warm.push(...rest.map((l) => l.latency_ms));
          cold.push(first!.latency_ms);
          coldLookup.push(first!.discovery_ms);
        }
      }
    }
    const ms = (x: number) => `${x.toFixed(3).padStart(8)} ms`;
    const row = (label: string, xs: number[]) => `${label.padEnd(36)} ${ms(pct(xs, 50))} ${ms(pct(xs, 99))}`;
    const ratio = pct(warm, 50) / pct(known, 50);
    console.log(`Greeter calls with Go Micro's client: ${ROUNDS} runs of ${CALLS} calls each way, alternating`);
    console.log(`${''.padEnd(36)} ${'p50'.padStart(11)} ${'p99'.padStart(11)}`);
    console.log(row('through discovery (selector cache warm)', warm));
    console.log(row('direct to the instance address', known));
    console.log(`${'ratio at p50'.padEnd(36)} ${ratio.toFixed(3).padStart(11)}   (goal: ≤ 1.2: ${ratio <= 1.2 ? 'met' : 'NOT met'})`);
    console.log(row('first call of a run (cold lookup)', cold));
    console.log(`${'  of which the registry lookup'.padEnd(36)} ${ms(pct(coldLookup, 50))} (median)`);
  } finally {
    await lab.down();
    rmSync(join(lab.dir.root, '..'), { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exit(1);
  },
);
