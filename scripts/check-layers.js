// The layering rules, checked as VS Code's layersChecker does: every import (static, `export … from`, `import type`,
// `import('…')`, `require`) is resolved by TypeScript's module resolution with the project's tsconfig, and DOM use is
// found by the type checker (a global whose every declaration is in lib.dom), never by matching text.
// Usage: node scripts/check-layers.js [ROOT]; prints one line per violation, file:line and rule, and exits 1 on any.
import { createRequire, isBuiltin } from 'node:module';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const DOORS = ['main/electron', 'main/web', 'main/cli', 'preload'];
const LAYERS = ['main/engine', 'main/common', 'main/doors', ...DOORS, 'renderer'];

/**
 * The rules on single imports; type-only imports count too, as they tie the layers' code together all the same.
 * `from` is the importing file's layer; `to` is what the import resolves to: { layer, file } for a project file,
 * { pkg } for a package, { builtin } for a Node built-in.
 */
const IMPORT_RULES = [
  {
    id: 'electron-only-in-shell',
    rule: 'only main/electron and preload import electron',
    broken: (from, to) => to.pkg === 'electron' && from !== 'main/electron' && from !== 'preload',
  },
  {
    id: 'core-below-doors',
    rule: 'main/engine and main/common never import main/doors, a front door or the renderer',
    broken: (from, to) => (from === 'main/engine' || from === 'main/common') && ['main/doors', ...DOORS, 'renderer'].includes(to.layer),
  },
  {
    id: 'common-is-shared',
    rule: 'main/common runs in the renderer too: it never imports Node built-ins or main/engine',
    broken: (from, to) => from === 'main/common' && (to.builtin !== undefined || to.layer === 'main/engine'),
  },
  {
    id: 'doors-apart',
    rule: 'the front doors (main/electron, main/web, main/cli, preload) never import each other, nor main/doors any of them',
    broken: (from, to) => DOORS.includes(to.layer) && to.layer !== from && (DOORS.includes(from) || from === 'main/doors'),
  },
  {
    id: 'renderer-in-browser',
    rule: 'the renderer never imports Node built-ins, main/engine, main/doors or a front door',
    broken: (from, to) => from === 'renderer' && (to.builtin !== undefined || ['main/engine', 'main/doors', ...DOORS].includes(to.layer)),
  },
];

const RULES = {
  unresolved: 'every import resolves (the check cannot judge what it cannot resolve)',
  'preload-without-zod': 'the sandboxed preload never loads zod, directly or through what it imports (type-only imports load nothing)',
  'node-without-dom': 'main/ runs in Node: it never uses a DOM global or type',
  'no-cycle': 'no import cycle in main/ (type-only imports included)',
};
for (const r of IMPORT_RULES) RULES[r.id] = r.rule;

const posix = (p) => p.split(sep).join('/');

function parseConfig(root, name) {
  const host = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  };
  const config = ts.getParsedCommandLineOfConfigFile(join(root, name), {}, host);
  return { options: config.options, files: config.fileNames, cache: ts.createModuleResolutionCache(root, (f) => f, config.options) };
}

/** The package a resolved declaration or module file belongs to, as it is imported (`@types/ws` is `ws`). */
function packageName(resolved) {
  const name = resolved.packageId?.name ?? /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(posix(resolved.resolvedFileName))[1];
  if (!name.startsWith('@types/')) return name;
  const bare = name.slice('@types/'.length);
  return bare.includes('__') ? `@${bare.replace('__', '/')}` : bare;
}

/** What TypeScript does not resolve, a stylesheet the bundler loads, as Node resolves it. */
function assetResolution(spec, file) {
  try {
    return { resolvedFileName: createRequire(file).resolve(spec) };
  } catch {
    return undefined;
  }
}

const isRequire = (e) => ts.isIdentifier(e) && e.text === 'require';

/** Each import of a source file: its specifier node, and whether it is type-only (erased from the JavaScript). */
function importsOf(sf) {
  const found = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : [];
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && named.length > 0 && named.every((e) => e.isTypeOnly)));
      found.push({ spec: node.moduleSpecifier, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : [];
      found.push({ spec: node.moduleSpecifier, typeOnly: node.isTypeOnly || (named.length > 0 && named.every((e) => e.isTypeOnly)) });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      found.push({ spec: node.moduleReference.expression, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node)) {
      found.push({ spec: node.argument.literal ?? node.argument, typeOnly: true });
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(node.expression))) {
      found.push({ spec: node.arguments[0] ?? node, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Returns the violations under `root`, each as "file:line: what (rule id: the rule)". */
export function checkLayers(root) {
  const node = parseConfig(root, 'tsconfig.node.json');
  const web = parseConfig(root, 'tsconfig.web.json');
  const rel = (file) => posix(relative(root, file));
  const layerOf = (file) => {
    const r = rel(file);
    return LAYERS.find((l) => r.startsWith(`${l}/`));
  };
  const configOf = (file) => (layerOf(file) === 'renderer' ? web : node);
  const problems = [];
  const report = (sf, pos, what, id) => {
    const line = sf.getLineAndCharacterOfPosition(pos).line + 1;
    problems.push(`${rel(sf.fileName)}:${line}: ${what} (${id}: ${RULES[id]})`);
  };

  const parsed = new Map();
  /** A project file's imports, each resolved to its target: { file, layer } | { pkg } | { builtin } | null. */
  const edges = (file) => {
    if (parsed.has(file)) return parsed.get(file);
    const { options, cache } = configOf(file);
    const format = ts.getImpliedNodeFormatForFile(file, cache.getPackageJsonInfoCache(), ts.sys, options);
    const target = { languageVersion: ts.ScriptTarget.Latest, impliedNodeFormat: format };
    const sf = ts.createSourceFile(file, ts.sys.readFile(file), target, true);
    const list = importsOf(sf).map(({ spec, typeOnly }) => {
      const line = { sf, pos: spec.getStart(sf), typeOnly };
      if (!ts.isStringLiteralLike(spec)) return { ...line, text: spec.getText(sf), to: null };
      if (isBuiltin(spec.text)) return { ...line, text: spec.text, to: { builtin: spec.text } };
      const mode = ts.getModeForUsageLocation(sf, spec, options);
      const resolved =
        ts.resolveModuleName(spec.text, file, options, ts.sys, cache, undefined, mode).resolvedModule ?? assetResolution(spec.text, file);
      const to = !resolved
        ? null
        : posix(resolved.resolvedFileName).includes('/node_modules/')
          ? { pkg: packageName(resolved) }
          : { file: resolved.resolvedFileName, layer: layerOf(resolved.resolvedFileName) };
      return { ...line, text: spec.text, to };
    });
    const result = { sf, list };
    parsed.set(file, result);
    return result;
  };
  const shown = (to) => (to.file ? rel(to.file) : (to.pkg ?? to.builtin));

  const files = [...new Set([...node.files, ...web.files])].filter((f) => layerOf(f)).sort();
  for (const file of files) {
    const from = layerOf(file);
    for (const e of edges(file).list) {
      if (!e.to) {
        report(e.sf, e.pos, `cannot resolve the import ${e.text}`, 'unresolved');
        continue;
      }
      for (const r of IMPORT_RULES) if (r.broken(from, e.to)) report(e.sf, e.pos, `imports ${shown(e.to)}`, r.id);
    }
  }

  // What each preload file loads at run time: value imports only, followed through the project's files.
  for (const start of files.filter((f) => layerOf(f) === 'preload')) {
    const seen = new Set([start]);
    const queue = [{ file: start, chain: [start], first: null }];
    while (queue.length) {
      const { file, chain, first } = queue.shift();
      for (const e of edges(file).list) {
        if (e.typeOnly || !e.to) continue;
        if (e.to.pkg === 'zod') {
          const at = first ?? e;
          report(at.sf, at.pos, `loads zod: ${[...chain.map(rel), 'zod'].join(' → ')}`, 'preload-without-zod');
        } else if (e.to.file && !seen.has(e.to.file)) {
          seen.add(e.to.file);
          queue.push({ file: e.to.file, chain: [...chain, e.to.file], first: first ?? e });
        }
      }
    }
  }

  checkDom(
    node,
    files.filter((f) => layerOf(f).startsWith('main/')),
    report,
  );
  checkCycles(
    files.filter((f) => layerOf(f).startsWith('main/')),
    edges,
    rel,
    report,
  );
  return problems;
}

/** Every identifier of main/ that the checker binds to a global declared only by the DOM library. */
function checkDom(node, files, report) {
  const lib = [...(node.options.lib ?? []), 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'];
  const program = ts.createProgram(files, { ...node.options, lib, noEmit: true });
  const checker = program.getTypeChecker();
  const isDomLib = (sf) => program.isSourceFileDefaultLibrary(sf) && basename(sf.fileName).startsWith('lib.dom');
  const isDomGlobal = (d) =>
    isDomLib(d.getSourceFile()) && (ts.isSourceFile(d.parent) || (ts.isVariableDeclaration(d) && ts.isSourceFile(d.parent.parent.parent)));
  const names = new Set();
  for (const domLib of program.getSourceFiles().filter(isDomLib)) {
    for (const s of domLib.statements) {
      if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) names.add(d.name.getText(domLib));
      else if (s.name) names.add(s.name.text);
    }
  }
  for (const file of files) {
    const sf = program.getSourceFile(file);
    const visit = (n) => {
      if (ts.isIdentifier(n) && names.has(n.text)) {
        const decls = checker.getSymbolAtLocation(n)?.declarations ?? [];
        if (decls.length && decls.every(isDomGlobal)) report(sf, n.getStart(sf), `uses the DOM's ${n.text}`, 'node-without-dom');
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
}

/** Each import cycle among main/'s files, as its shortest path from each file on it, reported once. */
function checkCycles(files, edges, rel, report) {
  const inMain = new Set(files);
  const next = (f) => edges(f).list.filter((e) => e.to?.file && inMain.has(e.to.file));
  const reported = new Set();
  for (const start of files) {
    // Breadth first from start: the first path back to start is its shortest cycle.
    const back = new Map([[start, null]]);
    const queue = [start];
    let closing = null;
    while (queue.length && !closing) {
      const f = queue.shift();
      for (const e of next(f)) {
        if (e.to.file === start) {
          closing = { from: f, edge: e };
          break;
        }
        if (!back.has(e.to.file)) {
          back.set(e.to.file, { from: f, edge: e });
          queue.push(e.to.file);
        }
      }
    }
    if (!closing) continue;
    const steps = [closing];
    for (let s = back.get(closing.from); s; s = back.get(s.from)) steps.unshift(s);
    const cycle = steps.map((s) => s.from);
    const first = cycle.indexOf([...cycle].sort()[0]);
    const key = [...cycle.slice(first), ...cycle.slice(0, first)].join('\n');
    if (reported.has(key)) continue;
    reported.add(key);
    report(steps[0].edge.sf, steps[0].edge.pos, `import cycle ${[...cycle, start].map(rel).join(' → ')}`, 'no-cycle');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkLayers(process.argv[2] ?? '.');
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log('layers: ok');
}
