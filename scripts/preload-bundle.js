// The sandboxed preload as scripts/build.js bundles it, and the size it stays under: one method per operation and the
// channel names, none of the argument validation (zod) that the doors do.
export const PRELOAD_MAX_BYTES = 10 * 1024;

export const PRELOAD_BUILD = {
  entryPoints: ['preload/index.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  outfile: 'out/preload/index.cjs',
  logLevel: 'warning',
};
