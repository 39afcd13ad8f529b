/**
 * Title identity, pure parts: slugs that keep the world's scripts, operator IDs, the derived
 * second candidate, safe archive file names, entry-point rewriting, title sheets.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newVersionId, safeFileName, slugTitle, titleIdSchema, versionIdSchema } from '../../electron/common/title';
import { derivedTitleIds } from '../../electron/engine/title/choose';
import { rewriteMpdForVersion, rewritePlaylistForVersion } from '../../electron/engine/title/entry-points';
import { TitleSheet } from '../../electron/engine/title/title-sheet';

describe('slugTitle: the default title ID', () => {
  it.each([
    ['東京物語', '東京物語'],
    ['Крёстный отец', 'крёстный-отец'],
    ['Le Film (2019)', 'le-film-2019'],
    ['Le.Film.2019', 'le-film-2019'],
    ['  Ça va — très bien !  ', 'ça-va-très-bien'],
    ['दिलवाले दुल्हनिया', 'दिलवाले-दुल्हनिया'],
    ['!!!', 'untitled'],
    ['master', 'master'],
  ])('%s → %s', (name, slug) => {
    expect(slugTitle(name)).toBe(slug);
  });

  it('is NFC whatever the file system handed over (macOS names arrive decomposed)', () => {
    const nfd = 'Крёстный отец'.normalize('NFD');
    expect(nfd).not.toBe('Крёстный отец');
    expect(slugTitle(nfd)).toBe('крёстный-отец');
    expect(slugTitle(nfd)).toBe(slugTitle(nfd).normalize('NFC'));
  });

  it('is at most 80 graphemes and never ends in "-"', () => {
    const long = slugTitle('a b '.repeat(100));
    expect([...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(long)].length).toBeLessThanOrEqual(80);
    expect(long.endsWith('-')).toBe(false);
  });

  it('gives two different masters with the same name different second candidates', () => {
    const a = derivedTitleIds('master', { size: 100, headTailSha256: 'a'.repeat(64) });
    const b = derivedTitleIds('master', { size: 100, headTailSha256: 'b'.repeat(64) });
    expect(a[0]).toBe('master');
    expect(b[0]).toBe('master');
    expect(a[1]).toMatch(/^master-[0-9a-f]{8}$/);
    expect(a[1]).not.toBe(b[1]);
    expect(derivedTitleIds('master', { size: 100, headTailSha256: 'a'.repeat(64) })).toEqual(a);
  });
});

describe('operator title IDs', () => {
  it.each(['tt0046438', 'FILM_2019.v2', '東京物語', 'крёстный-отец'])('accepts %s', (id) => {
    expect(titleIdSchema.parse(id)).toBe(id.normalize('NFC'));
  });
  it.each(['', 'a/b', '../x', '.hidden', '-x', 'a b', 'x'.repeat(121), 'a\\b', 'a\u0000b'])('refuses %j', (id) => {
    expect(titleIdSchema.safeParse(id).success).toBe(false);
  });
});

describe('safe names and versions', () => {
  it('makes a POSIX file name with a backslash or control characters safe as the last key segment', () => {
    expect(safeFileName('a\\b.mov')).toBe('a_b.mov');
    expect(safeFileName('evil\u001b[31m.mov')).toBe('evil_[31m.mov');
    expect(safeFileName('..')).toBe('master');
    expect(safeFileName('東京物語.mov')).toBe('東京物語.mov');
  });

  it('version IDs sort by time and pass their schema', () => {
    const a = newVersionId(new Date('2026-12-01T08:42:15.123Z'), '3fa2');
    const b = newVersionId(new Date('2026-12-02T00:00:00Z'), '0000');
    expect(a).toBe('v20261201T084215Z-3fa2');
    expect(versionIdSchema.parse(a)).toBe(a);
    expect([b, a].sort()).toEqual([a, b]);
  });
});

describe('entry points', () => {
  it('moves every relative reference of the master playlist under the version', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",URI="audio/index.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO="aud"',
      '360p/index.m3u8',
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100,URI="360p/iframes.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=2000',
      'https://elsewhere.example/x.m3u8',
      '',
    ].join('\n');
    const out = rewritePlaylistForVersion(master, 'v1');
    expect(out).toContain('URI="v1/audio/index.m3u8"');
    expect(out).toContain('\nv1/360p/index.m3u8\n');
    expect(out).toContain('URI="v1/360p/iframes.m3u8"');
    expect(out).toContain('\nhttps://elsewhere.example/x.m3u8\n');
    expect(out.split('\n')).toHaveLength(master.split('\n').length);
  });

  it('gives a DASH MPD one BaseURL so its relative URLs resolve inside the version', () => {
    const out = rewriteMpdForVersion(
      '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">\n  <Period/>\n</MPD>\n',
      'v1',
    );
    expect(out).toMatch(/<MPD [^>]*>\n {2}<BaseURL>v1\/<\/BaseURL>\n {2}<Period\/>/);
  });
});

describe('title sheets (titles.csv)', () => {
  it('maps masters to platform IDs by relative path or file name, and names unmatched rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sheet-'));
    await writeFile(
      join(dir, 'titles.csv'),
      '\uFEFFfile,title_id,replace\r\n"Tokyo Story.mov",tt0046438,\r\nreel/b.mov,東京物語-b,yes\r\nnope.mov,tt1,\r\n',
    );
    const sheet = await TitleSheet.read(join(dir, 'titles.csv'));
    expect(sheet.requestFor(join(dir, 'Tokyo Story.mov'))).toEqual({ titleId: 'tt0046438' });
    expect(sheet.requestFor(join(dir, 'reel', 'b.mov'))).toEqual({ titleId: '東京物語-b', replace: true });
    expect(sheet.requestFor(join(dir, 'other.mov'))).toBeUndefined();
    expect(sheet.unmatched([join(dir, 'Tokyo Story.mov'), join(dir, 'reel', 'b.mov')])).toEqual(['nope.mov']);
  });

  it('refuses a bad title ID, an unknown column and a file named twice, naming the row', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sheet-'));
    const bad = async (text: string) => {
      await writeFile(join(dir, 'titles.csv'), text);
      return TitleSheet.read(join(dir, 'titles.csv')).then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    };
    expect(await bad('file,title_id\na.mov,a/b\n')).toMatch(/row 2: "a\/b" cannot be a title ID/);
    expect(await bad('file,title,x\na.mov,t,1\n')).toMatch(/unknown column title, x/);
    expect(await bad('file,title_id\na.mov,t1\na.mov,t2\n')).toMatch(/row 3: a\.mov is named twice/);
  });
});
