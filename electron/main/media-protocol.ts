/**
 * The QC player's media protocol: station-media://title/<jobId>/<local|origin>/<path>. The
 * renderer never reads files; main answers from the engine (which serves only files inside a
 * title's package, or reads them back from the origin).
 */
import type { CustomScheme, Protocol } from 'electron';
import { MEDIA_SCHEME } from '../common/api.js';
import type { MediaResponse } from '../engine/media/serve-media.js';

/** A standard, secure scheme that fetch/XHR (hls.js) may use; registered with the app scheme before 'ready'. */
export const MEDIA_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: MEDIA_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true },
};

/** `pageOrigin`: the only origin allowed to read the media (app://station, or the dev server). */
export function handleMediaProtocol(
  protocol: Pick<Protocol, 'handle'>,
  media: (pathname: string) => Promise<MediaResponse>,
  pageOrigin: string,
): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'title' || request.method !== 'GET') return new Response('not found', { status: 404 });
    const r = await media(url.pathname);
    return new Response(r.body as BodyInit, {
      status: r.status,
      headers: {
        'content-type': r.contentType,
        'access-control-allow-origin': pageOrigin,
        'cache-control': 'no-store',
      },
    });
  });
}
