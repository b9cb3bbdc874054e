// The layering check passes on the project and fails, naming the rule, on a small project in a temporary folder (the
// project's tsconfigs and node_modules, and a few files) that breaks one rule. The preload bundle stays small.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { build, type BuildOptions } from 'esbuild';
import { opNames } from '../main/common/contract.js';
import { operations } from '../main/common/validation.js';
// @ts-expect-error: a plain JavaScript script without type declarations
import { checkLayers } from '../scripts/check-layers.js';
// @ts-expect-error: a plain JavaScript script without type declarations
import { PRELOAD_BUILD, PRELOAD_MAX_BYTES } from '../scripts/preload-bundle.js';
import { ROOT, tempDir } from './helpers.js';

const check = checkLayers as (root: string) => string[];

/** The problems the check finds in a project of `files` (path: lines), without the rules' explanations. */
function problems(files: Record<string, string[]>): string[] {
  const dir = tempDir('consul-lab-layers-');
  try {
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.node.json', 'tsconfig.web.json']) copyFileSync(join(ROOT, f), join(dir, f));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    for (const [path, lines] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), `${lines.join('\n')}\n`);
    }
    return check(dir).map((p) => p.replace(/ \(([\w-]+): .*\)$/, ' ($1)'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the project keeps its layers, and has no import cycle in main/', () => {
  assert.deepEqual(check(ROOT), []);
});

test('only main/electron and preload import electron, not even its types', () => {
  assert.deepEqual(
    problems({
      'main/engine/window.ts': ["import { BrowserWindow } from 'electron';", 'export const w = BrowserWindow;'],
      'main/doors/frame.ts': ["import type { WebFrameMain } from 'electron';", 'export type F = WebFrameMain;'],
      'main/electron/main.ts': ["import { app } from 'electron';", 'export const a = app;'],
      'preload/index.ts': ["import { contextBridge } from 'electron';", 'export const c = contextBridge;'],
    }),
    [
      'main/doors/frame.ts:1: imports electron (electron-only-in-shell)',
      'main/engine/window.ts:1: imports electron (electron-only-in-shell)',
    ],
  );
});

test('the engine and the contract never import the doors or the renderer', () => {
  assert.deepEqual(
    problems({
      'main/doors/handlers.ts': ['export const handlers = {};'],
      'main/engine/lab.ts': ["import { handlers } from '../doors/handlers.js';", 'export const h = handlers;'],
      'main/common/types.ts': ["export type { View } from '../../renderer/view.js';"],
      'renderer/view.ts': ['export type View = string;'],
    }),
    [
      'main/common/types.ts:1: imports renderer/view.ts (core-below-doors)',
      'main/engine/lab.ts:1: imports main/doors/handlers.ts (core-below-doors)',
    ],
  );
});

test('the contract, which the renderer loads too, never imports Node or the engine', () => {
  assert.deepEqual(
    problems({
      'main/engine/lab.ts': ['export const lab = 1;'],
      'main/common/names.ts': [
        "import { readFileSync } from 'fs';",
        "import { lab } from '../engine/lab.js';",
        'export const n = [readFileSync, lab];',
      ],
    }),
    ['main/common/names.ts:1: imports fs (common-is-shared)', 'main/common/names.ts:2: imports main/engine/lab.ts (common-is-shared)'],
  );
});

test('a front door never imports another one, nor main/doors a door, whether statically, dynamically or for types', () => {
  assert.deepEqual(
    problems({
      'main/cli/args.ts': ['export const intFlag = (v: string) => Number(v);'],
      'main/cli/index.ts': ["export const ui = async () => (await import('../web/serve.js')).serve;"],
      'main/web/serve.ts': ["import { intFlag } from '../cli/args.js';", 'export const serve = intFlag;'],
      'main/web/host.ts': ['export interface WebHost { url: string }'],
      'main/doors/door.ts': ["import type { WebHost } from '../web/host.js';", 'export type H = WebHost;'],
      'main/electron/main.ts': ["import { ui } from '../cli/index.js';", 'export const u = ui;'],
    }),
    [
      'main/cli/index.ts:1: imports main/web/serve.ts (doors-apart)',
      'main/doors/door.ts:1: imports main/web/host.ts (doors-apart)',
      'main/electron/main.ts:1: imports main/cli/index.ts (doors-apart)',
      'main/web/serve.ts:1: imports main/cli/args.ts (doors-apart)',
    ],
  );
});

test('the renderer never imports Node built-ins, the engine or a door', () => {
  assert.deepEqual(
    problems({
      'main/engine/lab.ts': ['export class Lab {}'],
      'main/common/types.ts': ['export type Name = string;'],
      'renderer/files.ts': ["import { readFileSync } from 'node:fs';", 'export const r = readFileSync;'],
      'renderer/lab.ts': ["export { Lab } from '../main/engine/lab';", "export type { Name } from '../main/common/types';"],
    }),
    ['renderer/files.ts:1: imports node:fs (renderer-in-browser)', 'renderer/lab.ts:1: imports main/engine/lab.ts (renderer-in-browser)'],
  );
});

test('the preload never loads zod, directly or through the contract, but may import its types', () => {
  assert.deepEqual(
    problems({
      'main/common/validation.ts': ["import { z } from 'zod';", 'export const names = z.array(z.string());'],
      'main/common/contract.ts': [
        "import type { names } from './validation.js';",
        'export type Names = typeof names;',
        "export const IPC = 'lab';",
      ],
      'main/common/wire.ts': ["export { names } from './validation.js';"],
      'preload/index.ts': [
        "import { IPC, type Names } from '../main/common/contract.js';",
        "import { names } from '../main/common/wire.js';",
        'export const x = [IPC, names] as [string, Names];',
      ],
      'preload/direct.ts': ["import { z } from 'zod';", 'export const s = z.string();'],
    }),
    [
      'preload/direct.ts:1: loads zod: preload/direct.ts → zod (preload-without-zod)',
      'preload/index.ts:2: loads zod: preload/index.ts → main/common/wire.ts → main/common/validation.ts → zod (preload-without-zod)',
    ],
  );
});

test('main/ never uses the DOM: its globals and types, found by the type checker', () => {
  assert.deepEqual(
    problems({
      'main/engine/dom.ts': ['export const title = () => document.title;'],
      'main/common/element.ts': ['export type Element = HTMLElement;'],
      'main/doors/mine.ts': [
        "const document = { title: 'mine' };",
        "export const url = new URL(document.title, 'http://127.0.0.1/').origin;",
      ],
    }),
    [
      "main/common/element.ts:1: uses the DOM's HTMLElement (node-without-dom)",
      "main/engine/dom.ts:1: uses the DOM's document (node-without-dom)",
    ],
  );
});

test('an import cycle in main/, even through a type-only import, is reported as its path', () => {
  assert.deepEqual(
    problems({
      'main/engine/lab.ts': ["import { Manager } from './greeter/manager.js';", 'export class Lab {', '  m = new Manager();', '}'],
      'main/engine/greeter/manager.ts': ["import type { Lab } from '../lab.js';", 'export class Manager {', '  lab?: Lab;', '}'],
    }),
    [
      'main/engine/greeter/manager.ts:1: import cycle ' +
        'main/engine/greeter/manager.ts → main/engine/lab.ts → main/engine/greeter/manager.ts (no-cycle)',
    ],
  );
});

test('an import the check cannot resolve is a violation too', () => {
  assert.deepEqual(
    problems({
      'main/engine/a.ts': ["import './missing.js';", 'export const load = (name: string) => import(name);'],
    }),
    [
      'main/engine/a.ts:1: cannot resolve the import ./missing.js (unresolved)',
      'main/engine/a.ts:2: cannot resolve the import name (unresolved)',
    ],
  );
});

test('the wire names and the schemas list the same operations', () => {
  assert.deepEqual([...opNames].sort(), Object.keys(operations).sort());
});

test(`the preload bundle is under ${PRELOAD_MAX_BYTES} bytes and carries no zod`, async () => {
  const r = await build({ ...(PRELOAD_BUILD as BuildOptions), absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'silent' });
  const bundle = r.outputFiles[0]!;
  assert.ok(bundle.contents.length < PRELOAD_MAX_BYTES, `${bundle.contents.length} bytes`);
  assert.deepEqual(
    Object.keys(r.metafile.inputs).filter((f) => f.includes('node_modules/')),
    [],
  );
  assert.doesNotMatch(bundle.text, /\bzod\b|\bZod[A-Z]\w*/);
});
