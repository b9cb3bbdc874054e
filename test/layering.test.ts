// The layering check passes on the project and fails on a deliberate bad import in a copy of it.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain JavaScript script without type declarations
import { checkLayers } from '../scripts/check-layers.js';
import { ROOT, tempDir } from './helpers.js';

const check = checkLayers as (root: string) => string[];

test('the project keeps its layers', () => {
  assert.deepEqual(check(ROOT), []);
});

test('the check fails on an engine file importing electron, the DOM in the engine, and Node in the renderer', () => {
  const copy = tempDir();
  for (const d of ['main', 'renderer']) cpSync(join(ROOT, d), join(copy, d), { recursive: true });
  mkdirSync(join(copy, 'main', 'engine', 'bad'), { recursive: true });
  writeFileSync(join(copy, 'main', 'engine', 'bad', 'window.ts'), "import { BrowserWindow } from 'electron';\nexport const w = BrowserWindow;\n");
  writeFileSync(join(copy, 'main', 'engine', 'bad', 'dom.ts'), 'export const t = () => document.title;\n');
  writeFileSync(join(copy, 'renderer', 'bad.ts'), "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
  writeFileSync(join(copy, 'renderer', 'bad2.ts'), "export { Lab } from '../main/engine/lab';\n");
  const problems = check(copy);
  assert.deepEqual(problems.sort(), [
    'main/engine/bad/dom.ts: uses the DOM (document) (main/engine runs in plain Node)',
    'main/engine/bad/window.ts: imports electron (main/engine may not use Electron)',
    'renderer/bad.ts: imports node:fs (renderer may not use Node built-ins)',
    'renderer/bad2.ts: imports ../main/engine/lab (renderer may not use main-process code)',
  ]);
});
