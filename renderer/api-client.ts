import { createTRPCClient, createWSClient, httpBatchLink, splitLink, type TRPCLink, wsLink } from '@trpc/client';
import { outputUrl } from '../api/output-url.ts';
import type { AppRouter } from '../api/router.ts';
import { type IpcBridge, ipcLink } from './ipc-link.ts';

declare global {
  interface Window {
    /** Set by the Electron preload. */
    layerflowIpc?: IpcBridge;
  }
}

/** The server puts its per-launch token in index.html; a `?token=` URL works too. */
export const token =
  document.querySelector<HTMLMetaElement>('meta[name="layerflow-token"]')?.content ??
  new URLSearchParams(location.search).get('token') ??
  '';

/** A URL for an output file: served with the token in a browser, on the app's own scheme in Electron. */
export function fileUrl(url: string): string {
  return outputUrl(url, { desktop: window.layerflowIpc !== undefined, token });
}

function serverLinks(): TRPCLink<AppRouter>[] {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  const ws = createWSClient({ url: wsUrl });
  return [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: wsLink<AppRouter>({ client: ws }),
      false: httpBatchLink<AppRouter>({ url: '/trpc', headers: () => ({ 'x-layerflow-token': token }) }),
    }),
  ];
}

/** The API client: over IPC inside Electron, over HTTP + WebSocket in a browser. */
export const api = createTRPCClient<AppRouter>({
  links: window.layerflowIpc ? [ipcLink<AppRouter>(window.layerflowIpc)] : serverLinks(),
});
