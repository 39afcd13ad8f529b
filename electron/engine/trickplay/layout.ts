/**
 * Trick-play thumbnails: one picture every `intervalSec` across the whole film, `width` pixels wide
 * (the picture's displayed aspect kept, even sizes), tiled `columns`×`rows` into JPEG sheets — the
 * form Roku's and Apple's image playlists, and WebVTT thumbnail tracks with `#xywh=`, both address.
 * Pure geometry: where every thumbnail lands (sheet, x, y) and what time it stands for.
 */
export interface TrickplayOptions {
  intervalSec: number;
  /** One thumbnail's width (px). */
  width: number;
  columns: number;
  rows: number;
}

export const TRICKPLAY_DEFAULTS: TrickplayOptions = { intervalSec: 10, width: 320, columns: 5, rows: 5 };

/** The folder of the package the thumbnails, their playlist and WebVTT track live in. */
export const TRICKPLAY_DIR = 'thumbs';
export const IMAGE_PLAYLIST = 'index.m3u8';
export const THUMBNAIL_VTT = 'thumbnails.vtt';

export const sheetName = (n: number): string => `sheet-${String(n + 1).padStart(5, '0')}.jpg`;

export interface TrickplayLayout extends TrickplayOptions {
  durationSec: number;
  /** One thumbnail's size. */
  tileWidth: number;
  tileHeight: number;
  /** Thumbnails in all: one per interval started within the film. */
  count: number;
  perSheet: number;
  sheets: number;
}

export interface Thumbnail {
  index: number;
  sheet: number;
  x: number;
  y: number;
  start: number;
  end: number;
}

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

/** `aspect`: the picture's displayed width / height (after any crop and anamorphic widening). */
export function planTrickplay(durationSec: number, aspect: number, o: Partial<TrickplayOptions> = {}): TrickplayLayout {
  const opts = { ...TRICKPLAY_DEFAULTS, ...o };
  if (!(durationSec > 0) || !(aspect > 0)) throw new Error('trick play needs a film with a duration and a picture');
  const count = Math.max(1, Math.ceil(durationSec / opts.intervalSec - 1e-6));
  const perSheet = opts.columns * opts.rows;
  return {
    ...opts,
    durationSec,
    tileWidth: even(opts.width),
    tileHeight: even(opts.width / aspect),
    count,
    perSheet,
    sheets: Math.ceil(count / perSheet),
  };
}

export function thumbnails(l: TrickplayLayout): Thumbnail[] {
  return Array.from({ length: l.count }, (_, index) => {
    const cell = index % l.perSheet;
    return {
      index,
      sheet: Math.floor(index / l.perSheet),
      x: (cell % l.columns) * l.tileWidth,
      y: Math.floor(cell / l.columns) * l.tileHeight,
      start: index * l.intervalSec,
      end: Math.min(l.durationSec, (index + 1) * l.intervalSec),
    };
  });
}

/** Seconds of film one sheet covers (the last one may cover less). */
export function sheetSpan(l: TrickplayLayout, sheet: number): { start: number; end: number; tiles: number } {
  const first = sheet * l.perSheet;
  const tiles = Math.min(l.perSheet, l.count - first);
  return { start: first * l.intervalSec, end: Math.min(l.durationSec, (first + tiles) * l.intervalSec), tiles };
}
