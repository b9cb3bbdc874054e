/**
 * The Electron shell, kept thin: window and security settings, the menu, the quit question. Everything it
 * does is done by the engine through the same handlers the web host uses (main/doors), tested without Electron.
 */
import { BrowserWindow, Menu, app, dialog, ipcMain, shell, type MenuItemConstructorOptions } from 'electron';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_EVENT } from '../common/contract.js';
import { createHandlers, type Handlers } from '../doors/handlers.js';
import { appOriginCheck, registerIpc } from '../doors/ipc.js';
import { Lab } from '../engine/lab.js';
import { LabSession } from '../engine/session.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(here, '..', '..', 'renderer', 'index.html');
const preload = join(here, '..', '..', 'preload', 'index.cjs');
const devServer = process.env.CONSUL_LAB_DEV_SERVER;
const isDev = !app.isPackaged;

let win: BrowserWindow | null = null;
let session: LabSession | null = null;
let handlers: Handlers | null = null;
let unsubscribe: (() => void) | null = null;

const settingsFile = () => join(app.getPath('userData'), 'settings.json');

interface Settings {
  lastLab?: string;
  bounds?: { x: number; y: number; width: number; height: number };
}

function readSettings(): Settings {
  try {
    return JSON.parse(readFileSync(settingsFile(), 'utf8')) as Settings;
  } catch {
    return {};
  }
}

function saveSettings(change: Settings): void {
  mkdirSync(app.getPath('userData'), { recursive: true });
  writeFileSync(settingsFile(), JSON.stringify({ ...readSettings(), ...change }));
}

function lastLab(): string {
  return readSettings().lastLab ?? join(app.getPath('userData'), 'labs', 'default');
}

async function openLab(dir: string): Promise<void> {
  const next = new LabSession(new Lab({ dir }));
  if (session) await session.close(false);
  unsubscribe?.();
  session = next;
  handlers = createHandlers(next);
  unsubscribe = next.events.on((event) => win?.webContents.send(IPC_EVENT, event));
  saveSettings({ lastLab: dir });
  win?.setTitle(`Consul Lab — ${dir}`);
  win?.webContents.send(IPC_EVENT, { type: 'snapshot', snapshot: await next.lab.snapshot() });
}

async function chooseLab(create: boolean): Promise<void> {
  const r = await dialog.showOpenDialog(win!, {
    title: create ? 'New lab: choose an empty folder' : 'Open lab: choose a lab folder',
    properties: ['openDirectory', 'createDirectory'],
  });
  if (!r.canceled && r.filePaths[0])
    await openLab(r.filePaths[0]).catch((err: Error) => dialog.showErrorBox('Cannot open the lab', err.message));
}

function menu(): void {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'Lab',
      submenu: [
        { label: 'New Lab…', accelerator: 'CmdOrCtrl+N', click: () => void chooseLab(true) },
        { label: 'Open Lab…', accelerator: 'CmdOrCtrl+O', click: () => void chooseLab(false) },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    ...(isDev ? [{ label: 'Develop', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }] } as MenuItemConstructorOptions] : []),
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): void {
  const bounds = readSettings().bounds;
  win = new BrowserWindow({
    width: bounds?.width ?? 1440,
    height: bounds?.height ?? 900,
    ...(bounds ? { x: bounds.x, y: bounds.y } : {}),
    title: 'Consul Lab',
    webPreferences: { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // A node's own Consul UI opens in the user's browser; nothing opens inside the app.
    if (/^http:\/\/127\.\d+\.\d+\.\d+:\d+\/ui\//.test(url) || /^http:\/\/172\.20\.20\.\d+:8500\/ui\//.test(url))
      void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (devServer) void win.loadURL(devServer);
  else void win.loadFile(rendererIndex);
  win.on('close', () => saveSettings({ bounds: win!.getNormalBounds() }));
  win.on('closed', () => (win = null));
}

let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !session) return;
  e.preventDefault();
  void (async () => {
    const running = await session!.lab.running();
    let stop = false;
    if (running.length) {
      const r = await dialog.showMessageBox({
        type: 'question',
        buttons: ['Stop the agents', 'Keep them running', 'Cancel'],
        defaultId: 0,
        cancelId: 2,
        message: `${running.length} agent${running.length === 1 ? ' is' : 's are'} running.`,
        detail: 'Stop them now, or keep them running (the next start of Consul Lab, or `consul-lab down`, finds them).',
      });
      if (r.response === 2) return;
      stop = r.response === 0;
    }
    await session!.close(stop).catch((err: Error) => dialog.showErrorBox('Stopping the lab failed', err.message));
    quitting = true;
    app.quit();
  })();
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app.whenReady().then(async () => {
    registerIpc(ipcMain, () => handlers!, appOriginCheck(pathToFileURL(rendererIndex).href, devServer));
    menu();
    await openLab(process.env.CONSUL_LAB_DIR ?? lastLab());
    createWindow();
  });
  app.on('window-all-closed', () => app.quit());
}
