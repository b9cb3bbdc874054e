/**
 * The Greeter service as one self-contained CommonJS file for a plain `node` (Node 18 and later) without
 * node_modules: what runs inside a VM. The build ships it next to the compiled service (scripts/build.js);
 * a source checkout bundles it on the fly with esbuild.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Shared with scripts/build.js, so that the shipped bundle and the on-the-fly one are the same. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  // service.ts runs main() when it is the entry point, which it tells by import.meta.url (empty in CommonJS).
  define: { 'import.meta.url': '__service_url' },
  banner: { js: "const __service_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
} as const;

export const BUNDLE_NAME = 'service.bundle.cjs';

let cached: Buffer | null = null;

export async function greeterBundle(): Promise<Buffer> {
  if (cached) return cached;
  const built = fileURLToPath(new URL(`./${BUNDLE_NAME}`, import.meta.url));
  if (existsSync(built)) return (cached = readFileSync(built));
  const source = fileURLToPath(new URL('./service.ts', import.meta.url));
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(`the Greeter bundle ${built} is missing and esbuild is not installed to make it: run npm run build`);
  }
  const r = await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [source], write: false });
  return (cached = Buffer.from(r.outputFiles[0]!.contents));
}
