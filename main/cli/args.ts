/** A small argv parser: positionals, --flag value, --flag=value, and boolean flags. */
import { InputError } from '../common/names.js';

export interface Parsed {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgv(argv: string[], booleans: Set<string>, known: Set<string>): Parsed {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!known.has(name)) throw new InputError(`unknown option --${name}: see consul-lab --help`);
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (booleans.has(name)) flags.set(name, true);
      else {
        const v = argv[i + 1];
        if (v === undefined) throw new InputError(`--${name} needs a value`);
        if (v.startsWith('--')) throw new InputError(`--${name} needs a value, but is followed by the option ${v}: write --${name} VALUE`);
        flags.set(name, v);
        i++;
      }
    } else positionals.push(a);
  }
  return { positionals, flags };
}

export function intFlag(p: Parsed, name: string): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  if (v === true || !/^\d+$/.test(v)) throw new InputError(`--${name} takes a whole number, got ${String(v)}`);
  return Number(v);
}

export function strFlag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  if (v === true) throw new InputError(`--${name} needs a value`);
  return v;
}

export function need(p: Parsed, index: number, what: string): string {
  const v = p.positionals[index];
  if (v === undefined) throw new InputError(`missing ${what}: see consul-lab --help`);
  return v;
}

/** Prints a result: JSON with --json, else the human form. */
export function out(p: Parsed, value: unknown, human: () => string): void {
  process.stdout.write(p.flags.has('json') ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}
