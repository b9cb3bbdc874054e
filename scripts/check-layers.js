// The layering rule (as in VS Code): the engine, the doors and the common contract never import Electron or
// use the DOM; the renderer never imports Node or the engine; only main/electron and preload import Electron.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_BUILTINS = /^(node:|fs$|path$|os$|child_process$|net$|http$|https$|crypto$|stream$|url$|util$|events$|dgram$|zlib$|worker_threads$)/;

const RULES = [
  { layer: 'main/common', forbid: [[/^electron$/, 'Electron'], [NODE_BUILTINS, 'Node built-ins'], [/(^|\/)engine\//, 'the engine'], [/^node-pty$|^ws$/, 'Node-only packages']], dom: true },
  { layer: 'main/engine', forbid: [[/^electron$/, 'Electron'], [/^react/, 'React'], [/(^|\/)doors\/|(^|\/)web\/|(^|\/)electron\//, 'a front door']], dom: true },
  { layer: 'main/doors', forbid: [[/^electron$/, 'Electron']], dom: true },
  { layer: 'main/web', forbid: [[/^electron$/, 'Electron']], dom: true },
  { layer: 'main/cli', forbid: [[/^electron$/, 'Electron']], dom: true },
  { layer: 'renderer', forbid: [[/^electron$/, 'Electron'], [NODE_BUILTINS, 'Node built-ins'], [/^node-pty$|^ws$/, 'Node-only packages'], [/(^|\/)main\/(engine|doors|web|cli|electron)\//, 'main-process code']] },
];

const DOM_GLOBALS = /\b(window|document|navigator|localStorage|HTMLElement)\s*[.[]/;
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

function files(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (/\.(ts|tsx|js|mjs)$/.test(e)) out.push(p);
  }
  return out;
}

/** Returns the violations under `root`, each as "file: imports X (layer may not use Y)". */
export function checkLayers(root) {
  const problems = [];
  for (const rule of RULES) {
    for (const file of files(join(root, rule.layer))) {
      const text = readFileSync(file, 'utf8');
      const rel = relative(root, file).split(sep).join('/');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
        for (const [re, what] of rule.forbid) {
          if (re.test(spec)) problems.push(`${rel}: imports ${spec} (${rule.layer} may not use ${what})`);
        }
      }
      if (rule.dom) {
        const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        const dom = DOM_GLOBALS.exec(code);
        if (dom) problems.push(`${rel}: uses the DOM (${dom[1]}) (${rule.layer} runs in plain Node)`);
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkLayers(process.argv[2] ?? '.');
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log('layers: ok');
}
