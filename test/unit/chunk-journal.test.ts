/**
 * The chunk journal (package/chunk-journal.ts), the only channel between the streamed stages: what
 * each record means, and that a journal read back from its real file after the process is gone
 * says exactly what the live one said. Real files in a temporary folder; nothing faked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkJournal, type PublishedChunk, type VerifiedChunk } from '../../electron/engine/package/chunk-journal';
import { tempDir } from '../helpers/station';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('ingest-chunk-journal-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const chunk = (r: string, i: number): PublishedChunk => ({
  r,
  i,
  path: `${r}/seg_${String(i).padStart(5, '0')}.m4s`,
  size: 1000 + i,
  start: i * 4,
  end: (i + 1) * 4,
});
const verdict = (c: PublishedChunk): VerifiedChunk => ({
  path: c.path,
  r: c.r,
  i: c.i,
  size: c.size,
  md5: `${c.i}`.padStart(32, '0'),
  sha256: `${c.i}`.padStart(64, '0'),
});
const set = (i: number): PublishedChunk[] => [chunk('720p', i), chunk('360p', i)];

/** What a journal says, in plain values (the same for the live one and the one read back). */
function state(j: ChunkJournal) {
  return {
    published: j.published().map((c) => c.path),
    count: j.publishedCount(),
    verified: [...j.verified.keys()].sort(),
    sent: Object.fromEntries([...j.sent].map(([d, m]) => [d, Object.fromEntries(m)])),
    encodedSets: j.encodedSets,
    packaged: j.packaged,
    rejected: j.rejected.map((r) => r.set),
  };
}

describe('chunk journal', () => {
  it('publishes, verifies, sends and packages; read back from its file it says the same', async () => {
    const path = join(dir, 'chunks.jsonl');
    const j = await ChunkJournal.open(path);
    for (const i of [0, 1]) await j.append({ t: 'published', set: i, chunks: set(i) });
    await j.append({ t: 'audio', chunks: [chunk('audio/aac-en', 0)] });
    await j.append({ t: 'encoded', sets: 2 });
    for (const c of j.published()) await j.append({ t: 'verified', ...verdict(c) });
    await j.append({ t: 'sent', d: 'origin', path: '720p/seg_00000.m4s', md5: verdict(chunk('720p', 0)).md5 });
    await j.append({ t: 'packaged', manifestSha256: 'f'.repeat(64) });
    expect(j.complete({ audio: true, subs: false })).toBe(true);
    expect(j.complete({ audio: true, subs: true })).toBe(false);
    const live = state(j);
    expect(live.count).toBe(5);
    expect(live.verified).toHaveLength(5);
    await j.close();

    const back = await ChunkJournal.open(path);
    expect(state(back)).toEqual(live);
    // Each verdict stands for the chunk published now at its path, in the journal read back too.
    for (const v of back.verifiedLog) expect(back.isVerified(v)).toBe(true);
    await back.close();
  });

  it('a rejected set taken back out: its verdicts no longer stand, the set published again is new', async () => {
    const path = join(dir, 'chunks.jsonl');
    const j = await ChunkJournal.open(path);
    for (const i of [0, 1]) await j.append({ t: 'published', set: i, chunks: set(i) });
    for (const c of j.published()) await j.append({ t: 'verified', ...verdict(c) });
    const old = j.verifiedLog.find((v) => v.i === 1)!;
    await j.append({ t: 'rejected', set: 1, problem: { file: old.path, problem: 'decode-error', detail: 'x' } });
    await j.append({ t: 'unpublished', set: 1, why: 'verify rejected it' });
    expect(j.publishedCount()).toBe(2);
    expect(j.isVerified(old)).toBe(false);
    const republished = set(1);
    await j.append({ t: 'published', set: 1, chunks: republished });
    expect(j.isPublished(republished[0]!)).toBe(true);
    // The old chunk object is not the one published now: a consumer holding it skips it.
    expect(j.isPublished(j.publishedLog.find((c) => c.i === 1)!)).toBe(false);
    const live = state(j);
    await j.close();

    const back = await ChunkJournal.open(path);
    expect(state(back)).toEqual(live);
    expect(back.rejected).toHaveLength(1);
    await back.close();
  });

  it('a video reset takes back every video set and its verdicts, keeps the audio and what was sent', async () => {
    const path = join(dir, 'chunks.jsonl');
    const j = await ChunkJournal.open(path);
    await j.append({ t: 'published', set: 0, chunks: set(0) });
    await j.append({ t: 'audio', chunks: [chunk('audio/aac-en', 0)] });
    for (const c of j.published()) await j.append({ t: 'verified', ...verdict(c) });
    await j.append({ t: 'sent', d: 'origin', path: 'audio/aac-en/seg_00000.m4s', md5: 'a'.repeat(32) });
    await j.append({ t: 'video-reset', why: 'hardware encoder failed' });
    expect(j.published().map((c) => c.r)).toEqual(['audio/aac-en']);
    expect([...j.verified.keys()]).toEqual(['audio/aac-en/seg_00000.m4s']);
    expect(j.sent.get('origin')?.size).toBe(1);
    const live = state(j);
    await j.close();
    const back = await ChunkJournal.open(path);
    expect(state(back)).toEqual(live);
    await back.close();
  });

  it('wakes a waiter when a record it waits for is on disk', async () => {
    const j = await ChunkJournal.open(join(dir, 'chunks.jsonl'));
    const waiting = j.until(() => j.packaged !== undefined);
    await j.append({ t: 'encoded', sets: 0 });
    await j.append({ t: 'packaged', manifestSha256: 'e'.repeat(64) });
    await expect(waiting).resolves.toBeUndefined();
    await j.close();
  });
});
