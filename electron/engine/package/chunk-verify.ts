/**
 * One chunk proven as soon as it is published: a media segment decoded with its rendition's init
 * segment in front (every frame its fragment lists must come out, the first a keyframe for video,
 * nothing on stderr), a WebVTT segment parsed back; then hashed (MD5 + SHA-256) and, when the title
 * is encrypted, encrypted in place. The journal records the chunk before the encrypted bytes replace
 * the clear ones, and `restoreEncryption` finishes the swap after a crash (AES-CBC with the recorded
 * key and IV gives the same bytes again).
 */
import { createHash } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseText } from 'media-captions';
import type { PackageProblem } from '../../common/manifest.js';
import { decodeStream } from '../verify/decode-check.js';
import type { ChunkJournal, PublishedChunk, VerifiedChunk } from './chunk-journal.js';
import { encryptSegment, newIv, type KeyContext, type KeyStore } from './encryption.js';
import { removePartials, writeWhole } from './package-files.js';
import type { PackageDrm } from '../drm/package-drm.js';

const ENCRYPTING = 'encrypting' as const;

export interface ChunkVerifyContext {
  ffprobePath: string;
  packageDir: string;
  journal: ChunkJournal;
  /** When the title is encrypted: where its keys are and what they are for. */
  encryption?: { store: KeyStore; ctx: KeyContext };
  /** A DRM title: its Common Encryption (drm/package-drm.ts), instead of AES-128. */
  drm?: PackageDrm;
  signal?: AbortSignal;
}

export type ChunkVerdict = { ok: true; verified: VerifiedChunk } | { ok: false; problem: PackageProblem };

const digest = (b: Uint8Array) => ({
  size: b.length,
  md5: createHash('md5').update(b).digest('hex'),
  sha256: createHash('sha256').update(b).digest('hex'),
});

async function checkMedia(
  c: ChunkVerifyContext,
  chunk: PublishedChunk,
  kind: 'video' | 'audio',
): Promise<PackageProblem | undefined> {
  const init = c.journal.inits.get(chunk.r);
  const run = await decodeStream(
    c.ffprobePath,
    c.packageDir,
    init?.path || undefined,
    [{ path: chunk.path, durationSec: chunk.end - chunk.start, size: chunk.size }],
    c.signal,
  );
  const d = run.segments[0]!;
  const why = run.errors[0] ? `: ${run.errors[0]}` : '';
  if (d.frames === 0) return { file: chunk.path, problem: 'undecodable', detail: `no ${kind} frames decoded${why}` };
  if (chunk.samples !== undefined && d.frames < chunk.samples)
    return {
      file: chunk.path,
      problem: 'frames-missing',
      detail: `decoded ${d.frames} of the ${chunk.samples} samples its fragment lists${why}`,
    };
  if (kind === 'video' && d.firstIsKey === false)
    return { file: chunk.path, problem: 'no-keyframe-start', detail: 'the first frame is not a keyframe' };
  if (run.errors.length > 0) return { file: chunk.path, problem: 'decode-error', detail: run.errors[0]! };
  return undefined;
}

async function checkWebvtt(path: string, text: string): Promise<PackageProblem | undefined> {
  if (!text.startsWith('WEBVTT')) return { file: path, problem: 'unparsable', detail: 'does not start with WEBVTT' };
  if (!/^X-TIMESTAMP-MAP=MPEGTS:\d+,LOCAL:/m.test(text) && !path.endsWith('full.vtt'))
    return { file: path, problem: 'unparsable', detail: 'has no X-TIMESTAMP-MAP' };
  const parsed = await parseText(text, { type: 'vtt' });
  const timings = (text.match(/-->/g) ?? []).length;
  if (parsed.cues.length !== timings)
    return { file: path, problem: 'unparsable', detail: `${timings - parsed.cues.length} cue(s) do not parse` };
  return undefined;
}

/** Prove one published chunk and record it (encrypting it when the title is encrypted). */
export async function verifyChunk(
  c: ChunkVerifyContext,
  chunk: PublishedChunk,
  kind: 'video' | 'audio' | 'subtitles',
): Promise<ChunkVerdict> {
  const file = join(c.packageDir, chunk.path);
  let clear: Buffer;
  try {
    clear = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return {
        ok: false,
        problem: { file: chunk.path, problem: 'missing', detail: 'published by the encoder but gone from the package' },
      };
    throw err;
  }
  // What the encoder published is what is proven: a chunk changed in between is not decoded as if new.
  if (clear.length === 0)
    return { ok: false, problem: { file: chunk.path, problem: 'empty', detail: 'file is 0 bytes' } };
  if (clear.length !== chunk.size)
    return {
      ok: false,
      problem: {
        file: chunk.path,
        problem: 'size-mismatch',
        detail: `${clear.length} bytes; the encoder published ${chunk.size}`,
      },
    };
  const problem =
    kind === 'subtitles' ? await checkWebvtt(chunk.path, clear.toString('utf8')) : await checkMedia(c, chunk, kind);
  if (problem) return { ok: false, problem };
  const plain = digest(clear);
  let verified: VerifiedChunk = {
    path: chunk.path,
    r: chunk.r,
    i: chunk.i,
    size: plain.size,
    md5: plain.md5,
    sha256: plain.sha256,
    ...(chunk.samples !== undefined ? { frames: chunk.samples } : {}),
  };
  // Subtitles stay clear: players fetch WebVTT without a key, and they carry no picture or sound.
  const enc = kind === 'subtitles' ? undefined : await encrypt(c, chunk, clear, plain.sha256);
  if (enc) {
    const e = digest(enc.bytes);
    verified = {
      ...verified,
      size: e.size,
      md5: e.md5,
      sha256: e.sha256,
      clear: { size: plain.size, sha256: plain.sha256 },
      ...(enc.keyId ? { keyId: enc.keyId } : {}),
      ...(enc.iv ? { iv: enc.iv } : {}),
    };
    // Encrypted bytes beside the chunk, the record, then the swap — before the uploads hear of it.
    // A kill before the record: verified again. After it: restoreEncryption encrypts identically.
    await writeFile(`${file}.${ENCRYPTING}`, enc.bytes);
    await c.journal.append({ t: 'verified', ...verified }, () => rename(`${file}.${ENCRYPTING}`, file));
    return { ok: true, verified };
  }
  await c.journal.append({ t: 'verified', ...verified });
  return { ok: true, verified };
}

/** The chunk's protected bytes: Common Encryption for a DRM title, else whole-segment AES-128, else none. */
async function encrypt(
  c: ChunkVerifyContext,
  chunk: Pick<PublishedChunk, 'r' | 'i'>,
  clear: Buffer,
  clearSha256: string,
): Promise<{ bytes: Buffer; keyId?: string; iv?: string } | undefined> {
  if (c.drm) return c.drm.encryptChunk(chunk.r, chunk.i, clear, clearSha256);
  if (!c.encryption) return undefined;
  const key = await c.encryption.store.keyFor(c.encryption.ctx, chunk.i);
  const iv = newIv();
  return { bytes: encryptSegment(clear, key.key, iv), keyId: key.keyId, iv };
}

/**
 * After a crash between the journal record and the swap, an encrypted chunk may still be clear on
 * disk (its size is the clear size: PKCS7 always adds 1–16 bytes): encrypt it again, identically.
 */
export async function restoreEncryption(c: ChunkVerifyContext): Promise<number> {
  await removePartials(c.packageDir, ENCRYPTING);
  if (!c.encryption && !c.drm) return 0;
  let fixed = 0;
  for (const v of c.journal.verified.values()) {
    if (!v.clear || (!c.drm && (!v.keyId || !v.iv))) continue;
    const file = join(c.packageDir, v.path);
    const size = await stat(file).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== v.clear.size) continue;
    const bytes = await readFile(file);
    if (c.drm) {
      // Common Encryption may keep a chunk's size (a clear-lead chunk): the clear bytes' hash decides.
      if (digest(bytes).sha256 !== v.clear.sha256) continue;
      await writeWhole(file, (await c.drm.encryptChunk(v.r, v.i, bytes, v.clear.sha256)).bytes, ENCRYPTING);
      fixed++;
      continue;
    }
    const key = await c.encryption!.store.byId(c.encryption!.ctx.titleId, c.encryption!.ctx.version, v.keyId!);
    if (!key) continue;
    await writeWhole(file, encryptSegment(bytes, key.key, v.iv!), ENCRYPTING);
    fixed++;
  }
  return fixed;
}
