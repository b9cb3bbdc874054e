#!/usr/bin/env node
// The consul-lab CLI: in a checkout, the TypeScript sources through tsx (never a stale build); else the build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'main', 'cli', 'index.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'out', 'main', 'cli', 'index.js')).href);
}
