/**
 * IPC registration: every InvokeOp gets exactly one ipcMain.handle. Before the engine sees a call,
 * the sender must be our own top-level frame at our own URL, and the arguments must pass the
 * operation's schema. Errors cross the boundary as plain messages (no stacks, no paths of ours).
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { INVOKE_CHANNELS, type InvokeOp } from '../common/api.js';
import { parseInvokeArgs } from '../common/schemas.js';
import type { Handlers } from '../engine/api-handlers.js';
import { pageOrigin } from './app-protocol.js';

/** True when the URL belongs to the app: same origin as the app URL (app://station, the dev server). */
export function isTrustedUrl(url: string | undefined, appUrl: string): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    const app = new URL(appUrl);
    if (app.protocol === 'file:') return u.protocol === 'file:' && u.pathname === app.pathname;
    return pageOrigin(url) === pageOrigin(appUrl);
  } catch {
    return false;
  }
}

export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, handlers: Handlers, appUrl: string): void {
  for (const op of Object.keys(INVOKE_CHANNELS) as InvokeOp[]) {
    ipcMain.handle(INVOKE_CHANNELS[op], async (event: IpcMainInvokeEvent, ...raw: unknown[]) => {
      const frame = event.senderFrame;
      if (!frame || frame.parent !== null || !isTrustedUrl(frame.url, appUrl)) {
        throw new Error(`Refused ${op}: the request did not come from the Ingest Station window`);
      }
      const args = parseInvokeArgs(op, raw);
      const handler = handlers[op] as (...a: unknown[]) => Promise<unknown>;
      return handler(...args);
    });
  }
}
