/**
 * Trick play's pure parts: the layout (count, sheets, tile positions, aspect), the image playlist
 * (parsed by hls-parser as a media playlist, the image tags asserted), the master line, the WebVTT
 * thumbnail track (parsed back by the station's caption reader), coverage from recorded times, and
 * the JPEG header reader.
 */
import { describe, expect, it } from 'vitest';
import HLS from 'hls-parser';
import { planTrickplay, thumbnails } from '../../electron/engine/trickplay/layout';
import { imagePlaylist, imageStreamInf, thumbnailVtt } from '../../electron/engine/trickplay/writers';
import { checkTimes, jpegSize } from '../../electron/engine/trickplay/verify';
import { thumbnailGraph, thumbnailOutputArgs } from '../../electron/engine/trickplay/generate';
import { parseCaptions } from '../../electron/engine/captions/cues';

describe('trick-play layout', () => {
  it('a thumbnail every 10 s, 320 px wide, 5×5 per sheet by default', () => {
    // 2 h 1 min 5 s of scope picture (2.39:1).
    const l = planTrickplay(7265, 2.39);
    expect(l).toMatchObject({ intervalSec: 10, tileWidth: 320, tileHeight: 134, count: 727, perSheet: 25, sheets: 30 });
    const t = thumbnails(l);
    expect(t[26]).toEqual({ index: 26, sheet: 1, x: 320, y: 0, start: 260, end: 270 });
    expect(t.at(-1)).toEqual({ index: 726, sheet: 29, x: 320, y: 0, start: 7260, end: 7265 });
    // An exact multiple gets no thumbnail past the end.
    expect(planTrickplay(20, 16 / 9, { intervalSec: 5 }).count).toBe(4);
    expect(() => planTrickplay(0, 1)).toThrow(/duration/);
  });
});

describe('trick-play announcements', () => {
  const l = planTrickplay(65, 16 / 9, { intervalSec: 10, columns: 2, rows: 2, width: 160 });

  it('an image media playlist (Roku/Apple form) that hls-parser reads as a VOD media playlist', () => {
    const text = imagePlaylist(l);
    const p = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(p.isMasterPlaylist).toBe(false);
    expect(p.playlistType).toBe('VOD');
    expect(p.endlist).toBe(true);
    expect(p.segments.map((s) => [s.uri, s.duration])).toEqual([
      ['sheet-00001.jpg', 40],
      ['sheet-00002.jpg', 25],
    ]);
    expect(text).toContain('#EXT-X-IMAGES-ONLY');
    expect(text.match(/#EXT-X-TILES:RESOLUTION=160x90,LAYOUT=2x2,DURATION=10\.000/g)).toHaveLength(2);
    expect(text).toContain('#EXT-X-TARGETDURATION:40');
  });

  it('the master line carries measured BANDWIDTH, one thumbnail as RESOLUTION, CODECS="jpeg" and the URI', () => {
    const line = imageStreamInf(l, [40_000, 10_000]);
    // Peak: 40,000 B over 40 s = 8,000 b/s; average: 50,000 B over 65 s.
    expect(line).toBe(
      '#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=8000,AVERAGE-BANDWIDTH=6154,RESOLUTION=160x90,CODECS="jpeg",URI="thumbs/index.m3u8"',
    );
    expect(() => imageStreamInf(l, [1])).toThrow(/2 sheet sizes/);
    // A master playlist carrying it still parses (hls-parser keeps the variants, skips the image line).
    const master = HLS.parse(
      `#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360\n360p/index.m3u8\n${line}\n`,
    );
    expect((master as HLS.types.MasterPlaylist).variants).toHaveLength(1);
  });

  it('a WebVTT track with a cue per thumbnail and #xywh= rectangles', async () => {
    const read = await parseCaptions(thumbnailVtt(l), 'vtt', l.durationSec, 'thumbnails.vtt');
    expect(read.problems).toEqual([]);
    expect(read.cues).toHaveLength(7);
    expect(read.cues[3]).toEqual({ start: 30, end: 40, text: 'sheet-00001.jpg#xywh=160,90,160,90' });
    expect(read.cues[6]).toEqual({ start: 60, end: 65, text: 'sheet-00002.jpg#xywh=0,90,160,90' });
  });
});

describe('trick-play generation and coverage', () => {
  const l = planTrickplay(25, 16 / 9, { intervalSec: 10 });

  it('the branch: one frame per interval, scaled, tiled; its output as numbered JPEG sheets', () => {
    expect(thumbnailGraph('[s3]', l, 'tp', 'times.txt')).toBe(
      '[s3]fps=fps=1/10:round=near:eof_action=pass,scale=320:180:flags=bicubic,setsar=1,' +
        'signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=times.txt,format=yuvj420p,tile=5x5[tp]',
    );
    expect(thumbnailOutputArgs('tp', '/pkg/100%/thumbs').at(-1)).toBe('/pkg/100%%/thumbs/sheet-%05d.jpg');
  });

  it('coverage is proven from the thumbnails made, not from the layout', () => {
    expect(checkTimes([{ time: 0 }, { time: 10 }, { time: 20 }], l)).toBeUndefined();
    expect(checkTimes([{ time: 0 }, { time: 10 }], l)).toMatch(
      /2 thumbnails every 10 s cover 20 s of the film's 25\.000 s/,
    );
    expect(checkTimes([{ time: 0 }, { time: 10 }, { time: 20 }, { time: 30 }], l)).toMatch(
      /4 thumbnails were made for the 3/,
    );
    expect(checkTimes([{ time: 0 }, { time: 14 }, { time: 31 }], l)).toMatch(/thumbnail 3 shows 31\.000 s/);
  });

  it('reads a JPEG size from its frame header', () => {
    const sof = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0, 0, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0xb4, 0x01, 0x40, 0x03];
    expect(jpegSize(Uint8Array.from([...sof, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toEqual({ width: 320, height: 180 });
    expect(jpegSize(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
  });
});
