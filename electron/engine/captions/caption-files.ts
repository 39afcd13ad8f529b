/**
 * Caption files beside a master, matched by name: `Film.en.srt`, `Film.fr.forced.vtt`,
 * `Film.en.sdh.srt`, `Film.scc` (language from the name, else the spec's default). Flags in the
 * name: sdh / cc / hi (captions for the deaf and hard of hearing), forced (forced narrative).
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { bcp47 } from '../../common/languages.js';
import type { CaptionFile } from '../../common/media.js';

const FORMATS = new Set(['srt', 'vtt', 'scc']);

/** What a caption file's name says about it, relative to its master's stem; undefined when it is not one. */
export function captionFromName(
  masterStem: string,
  fileName: string,
  defaultLanguage: string,
): Omit<CaptionFile, 'path'> | undefined {
  const ext = extname(fileName).slice(1).toLowerCase();
  if (!FORMATS.has(ext)) return undefined;
  const stem = fileName.slice(0, -ext.length - 1);
  if (stem !== masterStem && !stem.startsWith(`${masterStem}.`)) return undefined;
  const tokens =
    stem === masterStem
      ? []
      : stem
          .slice(masterStem.length + 1)
          .split('.')
          .map((t) => t.toLowerCase());
  let language: string | undefined;
  let sdh = false;
  let forced = false;
  for (const t of tokens) {
    if (['sdh', 'cc', 'hi'].includes(t)) sdh = true;
    else if (t === 'forced') forced = true;
    else if (!language && /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(t)) language = bcp47(t);
  }
  return {
    format: ext as CaptionFile['format'],
    language: language ?? bcp47(defaultLanguage) ?? defaultLanguage,
    languageFrom: language ? 'name' : 'spec-default',
    ...(sdh ? { sdh: true as const } : {}),
    ...(forced ? { forced: true as const } : {}),
  };
}

export async function findCaptionFiles(masterPath: string, defaultLanguage: string): Promise<CaptionFile[]> {
  const stem = basename(masterPath, extname(masterPath));
  const dir = dirname(masterPath);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .sort()
    .map((n) => {
      const c = captionFromName(stem, n, defaultLanguage);
      return c ? { path: join(dir, n), ...c } : undefined;
    })
    .filter((c): c is CaptionFile => c !== undefined);
}
