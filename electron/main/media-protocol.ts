/**
 * The QC player's media protocol: station-media://title/<jobId>/<local|origin>/<path>. The
 * renderer never reads files; main answers from the engine (which serves only files inside a
 * title's package, or reads them back from the origin).
 */
import type { Protocol } from 'electron';
import { MEDIA_SCHEME } from '../common/api.js';
import type { MediaResponse } from '../engine/media/serve-media.js';

/** Must run before app 'ready': a standard, secure scheme that fetch/XHR (hls.js) may use. */
export function registerMediaScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } }]);
}

export function handleMediaProtocol(protocol: Pick<Protocol, 'handle'>, media: (pathname: string) => Promise<MediaResponse>): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'title' || request.method !== 'GET') return new Response('not found', { status: 404 });
    const r = await media(url.pathname);
    return new Response(r.body as BodyInit, {
      status: r.status,
      // The app page is file:// (origin "null"); only our window uses this session.
      headers: { 'content-type': r.contentType, 'access-control-allow-origin': '*', 'cache-control': 'no-store' },
    });
  });
}
