/**
 * Runs sandboxed, bundled into one file: exposes the lab contract to the page as window.consulLab, one method
 * per operation plus an event subscription, and never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL, IPC_EVENT, opNames, type LabApi, type ReplyFrame } from '../main/common/contract.js';
import type { LabEvent } from '../main/common/types.js';

const api = Object.fromEntries(
  opNames.map((op) => [
    op,
    async (args: unknown) => {
      const reply = (await ipcRenderer.invoke(IPC_CALL, op, args ?? {})) as ReplyFrame;
      if (!reply.ok) throw new Error(reply.error);
      return reply.result;
    },
  ]),
) as unknown as LabApi;

api.onEvent = (listener: (e: LabEvent) => void) => {
  const handler = (_e: IpcRendererEvent, event: LabEvent) => listener(event);
  ipcRenderer.on(IPC_EVENT, handler);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT, handler);
  };
};

contextBridge.exposeInMainWorld('consulLab', api);
