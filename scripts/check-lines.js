// No line over 140 characters in the project's own source files: the formatter wraps code at 140 but leaves long
// strings and comments as they are, so this check catches those. The files are git's (tracked, and new ones not
// ignored), else the project's folders walked; lock files, build output and the Go folders are left out.
// Usage: node scripts/check-lines.js [ROOT]; prints file:line (length) for each long line, and exits 1 on any.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

const MAX = 140;
const EXT = /\.(ts|tsx|js|mjs|cjs|css|json|sh|yml|yaml)$/;
const SKIP = /^(out|dist|test-results|playwright-report|greeter|scripts\/consul-build)\/|(^|\/)node_modules\/|(^|\/)package-lock\.json$/;

const root = resolve(process.argv[2] ?? '.');

function gitFiles() {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\0').filter(Boolean) : null;
}

function walk(dir, out = []) {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.name.startsWith('.') || SKIP.test(e.isDirectory() ? `${rel}/` : rel)) continue;
    if (e.isDirectory()) walk(rel, out);
    else out.push(rel);
  }
  return out;
}

const files = (gitFiles() ?? walk(''))
  .map((f) => f.split(sep).join('/'))
  .filter((f) => EXT.test(f) && !SKIP.test(f) && existsSync(join(root, f)) && statSync(join(root, f)).isFile())
  .sort();

let long = 0;
for (const f of files) {
  const lines = readFileSync(join(root, f), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const n = [...line.replace(/\r$/, '')].length;
    if (n > MAX) {
      long++;
      process.stdout.write(`${f}:${i + 1} (${n} characters)\n`);
    }
  });
}
if (long) {
  process.stdout.write(`${long} line${long === 1 ? '' : 's'} over ${MAX} characters in ${files.length} files\n`);
  process.exit(1);
}
process.stdout.write(`no line over ${MAX} characters in ${files.length} files\n`);
