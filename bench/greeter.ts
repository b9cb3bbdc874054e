/**
 * Greeter call latency: through discovery (the caller's cached, blocking-query-fed list, round robin) against
 * a direct call to a known address, interleaved in one run so both see the same machine load.
 * Run: node --import tsx bench/greeter.ts [--calls N]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { postJson } from '../main/engine/greeter/post.js';
import { tempLab } from '../test/helpers.js';

const CALLS = Number(process.argv[process.argv.indexOf('--calls') + 1]) || 1000;
const WARMUP = 50;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** The baseline: the same HTTP client the caller uses, to an address known in advance. */
async function direct(url: string, name: string): Promise<void> {
  const res = await postJson(url, { name }, 5000);
  if (res.body.msg !== `Hello ${name}`) throw new Error(`unexpected answer: ${JSON.stringify(res.body)}`);
}

async function main(): Promise<void> {
  const lab = tempLab({ subnet: '127.0.29' });
  try {
    process.stderr.write('bringing up a lab on 127.0.29.x and starting one Greeter on agent-one…\n');
    await lab.up();
    const g = await lab.greeter.start('agent-one');
    const url = `http://${g.address}:${g.port}/greeter/hello`;
    const viaDiscovery = async () => {
      const [c] = await lab.greeter.call('John');
      if (!c?.ok) throw new Error(c?.error ?? 'no answer');
    };
    for (let i = 0; i < WARMUP; i++) {
      await viaDiscovery();
      await direct(url, 'John');
    }
    const disc: number[] = [];
    const dir: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      // Alternate which goes first, so neither always runs on a connection just used by the other.
      for (const which of i % 2 ? ['d', 'x'] : ['x', 'd']) {
        const t = performance.now();
        if (which === 'd') await viaDiscovery();
        else await direct(url, 'John');
        (which === 'd' ? disc : dir).push(performance.now() - t);
      }
    }
    const row = (label: string, xs: number[]) => `${label.padEnd(28)} ${pct(xs, 50).toFixed(3).padStart(8)} ms ${pct(xs, 99).toFixed(3).padStart(8)} ms`;
    const ratio50 = pct(disc, 50) / pct(dir, 50);
    const ratio99 = pct(disc, 99) / pct(dir, 99);
    console.log(`Greeter calls, ${CALLS} of each, interleaved (after ${WARMUP} warm-up calls each)`);
    console.log(`${''.padEnd(28)} ${'p50'.padStart(11)} ${'p99'.padStart(11)}`);
    console.log(row('through discovery (cached)', disc));
    console.log(row('direct to known address', dir));
    console.log(`${'overhead ratio'.padEnd(28)} ${ratio50.toFixed(3).padStart(11)} ${ratio99.toFixed(3).padStart(11)}   (goal: ≤ 1.2 at p50: ${ratio50 <= 1.2 ? 'met' : 'NOT met'})`);
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
