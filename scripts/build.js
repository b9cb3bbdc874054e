// One build for the whole app: main (with the engine, CLI and web host) by tsc, the preload bundled by
// esbuild into one CommonJS file that runs sandboxed, the Greeter service bundled for VMs' plain node, and
// the renderer by vite.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

rmSync('out', { recursive: true, force: true });
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json', '--outDir', 'out']);
await build({
  entryPoints: ['preload/index.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  outfile: 'out/preload/index.cjs',
  logLevel: 'warning',
});
const { BUNDLE_NAME, BUNDLE_OPTIONS } = await import('../out/main/engine/greeter/bundle.js');
await build({ ...BUNDLE_OPTIONS, entryPoints: ['main/engine/greeter/service.ts'], outfile: `out/main/engine/greeter/${BUNDLE_NAME}` });
run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);
