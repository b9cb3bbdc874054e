/**
 * The renderer's way to the engine, chosen at start: the preload bridge inside Electron, else the web
 * host's WebSocket (the page's ?token= authorises it). Either way the view sees the same LabApi.
 */
import { opNames, type CallFrame, type EventFrame, type LabApi, type ReplyFrame } from '../main/common/contract';
import type { LabEvent } from '../main/common/types';

declare global {
  interface Window {
    consulLab?: LabApi;
  }
}

export async function connect(): Promise<LabApi> {
  if (window.consulLab) return window.consulLab;
  return connectWebSocket(location.host, new URLSearchParams(location.search).get('token') ?? '');
}

export function connectWebSocket(host: string, token: string): Promise<LabApi> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${host}/api?token=${encodeURIComponent(token)}`);
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    const listeners = new Set<(e: LabEvent) => void>();
    let nextId = 1;
    let opened = false;

    ws.onmessage = (msg) => {
      const frame = JSON.parse(String(msg.data)) as ReplyFrame | EventFrame;
      if ('event' in frame) {
        for (const l of listeners) l(frame.event);
        return;
      }
      const p = frame.id === null ? undefined : pending.get(frame.id);
      if (!p) return;
      pending.delete(frame.id!);
      if (frame.ok) p.resolve(frame.result);
      else p.reject(new Error(frame.error));
    };
    ws.onclose = () => {
      for (const p of pending.values()) p.reject(new Error('the connection to the lab closed: reload the page (the URL holds its token)'));
      pending.clear();
      if (!opened)
        reject(new Error('the lab refused the connection: open the exact URL that `consul-lab ui` printed (it holds the token)'));
    };
    ws.onopen = () => {
      opened = true;
      const call = (op: CallFrame['op'], args: unknown) =>
        new Promise((res, rej) => {
          const id = nextId++;
          pending.set(id, { resolve: res, reject: rej });
          ws.send(JSON.stringify({ id, op, args } satisfies CallFrame));
        });
      const api = Object.fromEntries(opNames.map((op) => [op, (args: unknown) => call(op, args ?? {})])) as unknown as LabApi;
      api.onEvent = (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      };
      resolve(api);
    };
  });
}
