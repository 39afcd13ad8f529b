/**
 * The trick-play announcements, pure:
 *  - the HLS image media playlist (Roku's "Image Media Playlist" form, which Apple's tvOS and Shaka
 *    Player read too): `#EXT-X-IMAGES-ONLY`, each sheet an EXTINF of the film it covers and an
 *    `#EXT-X-TILES` naming one thumbnail's RESOLUTION, the LAYOUT (columns×rows) and each
 *    thumbnail's DURATION;
 *  - its master-playlist line, `#EXT-X-IMAGE-STREAM-INF` with BANDWIDTH (the peak sheet's bytes
 *    over the time it covers, measured like every other rendition), RESOLUTION (one thumbnail),
 *    CODECS="jpeg" and the playlist's URI;
 *  - a WebVTT thumbnail track for web players: a cue per thumbnail whose text is the sheet and the
 *    thumbnail's rectangle (`sheet-00001.jpg#xywh=320,0,320,180`), written by the station's one
 *    WebVTT writer (captions/webvtt-segments.ts).
 */
import { fullVtt } from '../captions/webvtt-segments.js';
import { IMAGE_PLAYLIST, TRICKPLAY_DIR, sheetName, sheetSpan, thumbnails, type TrickplayLayout } from './layout.js';

const secs = (s: number): string => s.toFixed(3);

export function imagePlaylist(l: TrickplayLayout): string {
  const spans = Array.from({ length: l.sheets }, (_, n) => sheetSpan(l, n));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, ...spans.map((s) => Math.round(s.end - s.start)))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-IMAGES-ONLY',
  ];
  spans.forEach((s, n) =>
    lines.push(
      `#EXTINF:${secs(s.end - s.start)},`,
      `#EXT-X-TILES:RESOLUTION=${l.tileWidth}x${l.tileHeight},LAYOUT=${l.columns}x${l.rows},DURATION=${secs(l.intervalSec)}`,
      sheetName(n),
    ),
  );
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** Peak and average bits per second of the sheets over the film they cover. */
export function imageRates(l: TrickplayLayout, sheetBytes: number[]): { peak: number; average: number } {
  if (sheetBytes.length !== l.sheets) throw new Error(`expected ${l.sheets} sheet sizes, got ${sheetBytes.length}`);
  const rates = sheetBytes.map((b, n) => {
    const s = sheetSpan(l, n);
    return (b * 8) / Math.max(0.001, s.end - s.start);
  });
  const total = sheetBytes.reduce((a, b) => a + b, 0);
  return { peak: Math.ceil(Math.max(...rates)), average: Math.ceil((total * 8) / l.durationSec) };
}

/** The master playlist's line for the image stream (URI relative to the master). */
export function imageStreamInf(l: TrickplayLayout, sheetBytes: number[]): string {
  const { peak, average } = imageRates(l, sheetBytes);
  return `#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${average},RESOLUTION=${l.tileWidth}x${l.tileHeight},CODECS="jpeg",URI="${TRICKPLAY_DIR}/${IMAGE_PLAYLIST}"`;
}

/** The WebVTT thumbnail track (sheet names relative to the track, which sits beside them). */
export function thumbnailVtt(l: TrickplayLayout): string {
  return fullVtt(
    thumbnails(l).map((t) => ({
      start: t.start,
      end: t.end,
      text: `${sheetName(t.sheet)}#xywh=${t.x},${t.y},${l.tileWidth},${l.tileHeight}`,
    })),
  );
}

/** The URIs of a master playlist's `#EXT-X-IMAGE-STREAM-INF` lines (what hls-parser does not read). */
export function imageStreamUris(master: string): string[] {
  return [...master.matchAll(/^#EXT-X-IMAGE-STREAM-INF:.*?\bURI="([^"]+)"/gm)].map((m) => m[1]!);
}
