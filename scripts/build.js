// One build for the whole app: main (with the engine, CLI and web host) by tsc, the preload bundled by
// esbuild into one CommonJS file that runs sandboxed, the Go Micro Greeter's programs for the host and the VMs
// (built with Go once, then from the tool cache) where the packaged app finds them, and the renderer by vite.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { PRELOAD_BUILD, PRELOAD_MAX_BYTES } from './preload-bundle.js';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

rmSync('out', { recursive: true, force: true });
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json', '--outDir', 'out']);
const preload = await build({ ...PRELOAD_BUILD, metafile: true });
const preloadBytes = preload.metafile.outputs[PRELOAD_BUILD.outfile].bytes;
console.log(`preload: ${preloadBytes} bytes (at most ${PRELOAD_MAX_BYTES})`);
if (preloadBytes > PRELOAD_MAX_BYTES) {
  console.error(`the preload bundle is over ${PRELOAD_MAX_BYTES} bytes: what does it load? (esbuild --analyze)`);
  process.exit(1);
}
const { shipGreeter } = await import('../out/main/engine/greeter/binaries.js');
// The Greeter's programs go with the build where they can be had (Go, or a cached build); without them the rest
// of the lab works, and the Greeter's controls say how to get them.
await shipGreeter('out/greeter-bin', (line) => console.log(line)).catch((err) =>
  console.warn(`the Greeter's programs are not in this build: ${err.message}`),
);
run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);
