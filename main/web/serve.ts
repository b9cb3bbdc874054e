/**
 * `consul-lab ui`: the lab window in a browser, over the web door. The web door's entry point, which the CLI runs as
 * a child process with the options it parsed (main/doors/door-process.ts says why).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { doorMain, untilStopped } from '../doors/door-process.js';
import { createHandlers } from '../doors/handlers.js';
import { Lab } from '../engine/lab.js';
import { packageRoot } from '../engine/package-root.js';
import { LabSession } from '../engine/session.js';
import { startWebHost } from './host.js';

function openBrowser(url: string): void {
  const [file, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  spawn(file, args as string[], { stdio: 'ignore', detached: true })
    .on('error', () => undefined)
    .unref();
}

doorMain(async (options) => {
  const session = new LabSession(new Lab(options.lab));
  const host = await startWebHost({
    handlers: createHandlers(session),
    subscribe: (l) => session.events.on(l),
    staticDir: join(packageRoot(), 'out', 'renderer'),
    port: options.port,
  }).catch(async (err) => {
    await session.close(false);
    throw err;
  });
  process.stdout.write(`${host.url}\n`);
  const root = session.lab.dir.root;
  process.stderr.write(`Consul Lab for ${root} is served at the URL above (Ctrl-C to stop serving; agents keep running).\n`);
  if (options.open) openBrowser(host.url);
  await untilStopped();
  await host.close();
  await session.close(false);
  return 0;
});
