/** `consul-lab ui`: the lab window in a browser, over the web door. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { intFlag, type Parsed } from '../cli/args.js';
import { createHandlers } from '../doors/handlers.js';
import type { Lab } from '../engine/lab.js';
import { packageRoot } from '../engine/package-root.js';
import { LabSession } from '../engine/session.js';
import { startWebHost } from './host.js';

function openBrowser(url: string): void {
  const [file, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  spawn(file, args as string[], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
}

export async function serveCommand(lab: Lab, p: Parsed): Promise<number> {
  const session = new LabSession(lab);
  const host = await startWebHost({
    handlers: createHandlers(session),
    subscribe: (l) => session.events.on(l),
    staticDir: join(packageRoot(), 'out', 'renderer'),
    port: intFlag(p, 'port') ?? 0,
  }).catch(async (err) => {
    await session.close(false);
    throw err;
  });
  process.stdout.write(`${host.url}\n`);
  process.stderr.write(`Consul Lab for ${lab.dir.root} is served at the URL above (Ctrl-C to stop serving; agents keep running).\n`);
  if (p.flags.has('open')) openBrowser(host.url);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await host.close();
  await session.close(false);
  return 0;
}
