/**
 * How to start one of our own Node entry points (the agent supervisor) as a child:
 * from TypeScript sources through tsx, from the build as plain JavaScript, and inside Electron as Node.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Command {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** `base` is a URL without extension, e.g. new URL('./supervisor', import.meta.url). */
export function nodeEntry(base: URL, args: string[]): Command {
  const path = fileURLToPath(base);
  const env: Record<string, string> = {};
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  if (existsSync(`${path}.js`)) return { file: process.execPath, args: [`${path}.js`, ...args], env };
  if (existsSync(`${path}.ts`)) return { file: process.execPath, args: ['--import', 'tsx', `${path}.ts`, ...args], env };
  throw new Error(`cannot find ${path}.js or ${path}.ts: run npm run build`);
}
