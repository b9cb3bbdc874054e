/**
 * The Electron IPC door as plain functions: one channel for calls, validated at the door, and refused for
 * any sender frame that is not the app's own page. Registered on ipcMain by the thin Electron main.
 */
import { IPC_CALL, type ReplyFrame } from '../common/contract.js';
import { dispatch, type Handlers } from './handlers.js';

export interface IpcEventLike {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
}

/** The app's own pages: the built renderer loaded from file://, or the dev server when one is named. */
export function appOriginCheck(rendererIndexUrl: string, devServerUrl?: string): (url: string) => boolean {
  const index = new URL(rendererIndexUrl);
  const dev = devServerUrl ? new URL(devServerUrl).origin : null;
  return (url: string) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (u.protocol === 'file:') return u.pathname === index.pathname;
    return dev !== null && u.origin === dev;
  };
}

export async function handleCall(
  handlers: Handlers,
  allowed: (url: string) => boolean,
  event: IpcEventLike,
  op: unknown,
  args: unknown,
): Promise<ReplyFrame> {
  const url = event.senderFrame?.url ?? '';
  if (!allowed(url)) {
    return { id: null, ok: false, error: `refused: a call from ${url || 'an unknown frame'}, which is not the app's own page` };
  }
  try {
    return { id: null, ok: true, result: (await dispatch(handlers, op, args)) ?? null };
  } catch (err) {
    return { id: null, ok: false, error: (err as Error).message };
  }
}

export function registerIpc(ipc: IpcMainLike, handlers: () => Handlers, allowed: (url: string) => boolean): void {
  ipc.handle(IPC_CALL, (event, op, args) => handleCall(handlers(), allowed, event, op, args));
}
