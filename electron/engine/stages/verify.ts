/**
 * Verify stage, side by side with the encode: every chunk is proven as soon as it is published —
 * decoded with its init segment, hashed, encrypted when the title is (package/chunk-verify.ts) — and
 * recorded in the chunk journal, where the origin upload picks it up. A chunk that fails takes its
 * segment set out of the package and fails the title at verify; a retry encodes that set again.
 *
 * When every chunk is proven, the checks that need the whole package run from the journal, without
 * decoding again: rungs cut at the same instants, no gap or jump in any rendition's timeline (a
 * resumed encode must not show its seam), durations that add up to the master's. Then the station
 * writes every playlist (package/playlists.ts), the DASH manifest when asked, and manifest.json —
 * the hashes of what the origin will hold and, for encrypted segments, of the clear bytes — and
 * checks the result's structure like any package (verify/playlists.ts).
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  MANIFEST_FILE,
  MANIFEST_SCHEMA_VERSION,
  PACKAGE_MARKER,
  type Manifest,
  type ManifestFile,
  type ManifestRendition,
  type PackageProblem,
  type SourceFingerprint,
} from '../../common/manifest.js';
import type { MediaInfo } from '../../common/media.js';
import { slugTitle } from '../../common/title.js';
import type { JobRecord, StageContext, StageRunner } from '../queue/job-queue.js';
import { VerificationError } from '../util/errors.js';
import { removeLeftovers, writeFileAtomic } from '../util/atomic-write.js';
import { fingerprintFile } from '../util/fingerprint.js';
import { RateEstimator } from '../util/rate.js';
import { finishOutputDir } from '../util/output-dir.js';
import { inspectPackage } from '../verify/playlists.js';
import { assertVerified, type ManifestInfo } from '../verify/verify-package.js';
import type { ChunkJournal, PublishedChunk } from '../package/chunk-journal.js';
import { restoreEncryption, verifyChunk, type ChunkVerifyContext } from '../package/chunk-verify.js';
import { MEDIA_PLAYLIST, writePlaylists } from '../package/playlists.js';
import { finishQc, qcRejection } from '../analysis/qc-wiring.js';
import { writeDashManifest } from '../package/dash.js';
import { audioDir } from '../package/audio-encoder.js';
import { subtitleDir } from '../package/subtitle-writer.js';
import type { TranscodePlan } from '../plan/plan.js';
import { packageDrmOf } from '../drm/job-hooks.js';
import type { PackageDrm } from '../drm/package-drm.js';
import { outputFrameRate } from './transcode.js';
import { alreadyDelivered, journalOf, need, type PipelineContext } from './context.js';
import { trickplayManifestFiles } from '../trickplay/package.js';
import type { TrickplayFiles } from '../trickplay/generate.js';
import { packageTrickplay } from './trickplay-job.js';

/** What a manifest records besides its files: the title, its master and how it was encoded. */
export function manifestInfo(
  title: string,
  fingerprint: SourceFingerprint,
  media: MediaInfo,
  plan: TranscodePlan,
  identity: { titleId?: string; jobId?: string } = {},
): ManifestInfo {
  const v = media.video[0];
  const a = media.audio[0];
  return {
    title,
    ...(identity.titleId ? { titleId: identity.titleId } : {}),
    ...(identity.jobId ? { jobId: identity.jobId } : {}),
    // The file's name, never its path: the manifest is uploaded to the origin (public behind the CDN).
    source: {
      name: basename(fingerprint.path ?? fingerprint.name ?? 'master'),
      size: fingerprint.size,
      mtimeMs: fingerprint.mtimeMs,
      ...(fingerprint.headTailSha256 ? { headTailSha256: fingerprint.headTailSha256 } : {}),
      durationSec: media.durationSec,
    },
    probe: {
      container: media.container,
      ...(v ? { video: `${v.codec} ${v.width}×${v.height} @ ${v.frameRate.num}/${v.frameRate.den}` } : {}),
      ...(a ? { audio: `${a.codec} ${a.channels} ch ${a.sampleRate} Hz` } : {}),
    },
    ladder: plan.rungs,
    encoder: plan.encoder,
    segmentSeconds: plan.segmentSeconds,
  };
}

/** The renditions a package offers, for the manifest, the UI and the QC player. */
export function renditionsOf(plan: TranscodePlan, journal: ChunkJournal): ManifestRendition[] {
  return [
    ...plan.rungs.map((r) => ({
      type: 'video' as const,
      name: r.name,
      playlist: `${r.name}/${MEDIA_PLAYLIST}`,
      width: r.width,
      height: r.height,
      kbps: r.videoKbps,
      ...(journal.inits.get(r.name)?.codec ? { codec: journal.inits.get(r.name)!.codec } : {}),
    })),
    ...plan.audio.map((a) => ({
      type: 'audio' as const,
      name: a.name,
      playlist: `${audioDir(a)}/${MEDIA_PLAYLIST}`,
      label: a.label,
      group: a.group,
      channels: a.channels,
      kbps: a.kbps,
      default: a.default,
      ...(a.language ? { language: a.language } : {}),
      ...(a.describesVideo ? { describesVideo: true } : {}),
      ...(journal.inits.get(audioDir(a))?.codec ? { codec: journal.inits.get(audioDir(a))!.codec } : {}),
    })),
    ...plan.subtitles.map((s) => ({
      type: 'subtitles' as const,
      name: s.name,
      playlist: `${subtitleDir(s)}/${MEDIA_PLAYLIST}`,
      label: s.label,
      language: s.language,
      default: s.default,
      ...(s.forced ? { forced: true } : {}),
      ...(s.sdh ? { sdh: true } : {}),
      codec: 'wvtt',
    })),
  ];
}

const kindOf = (r: string): 'video' | 'audio' | 'subtitles' =>
  r.startsWith('audio/') ? 'audio' : r.startsWith('subs/') ? 'subtitles' : 'video';

/** The timeline, from the journal: rungs aligned, no gap or jump, durations that add up. */
export function timelineProblems(
  plan: TranscodePlan,
  journal: ChunkJournal,
  sourceDurationSec: number,
): PackageProblem[] {
  const problems: PackageProblem[] = [];
  const sets = [...journal.sets.entries()].sort((a, b) => a[0] - b[0]);
  const tolerance = 1 / 120; // well under one frame at any delivery frame rate
  for (const [k, chunks] of sets) {
    const ref = chunks[0]!;
    for (const c of chunks.slice(1)) {
      if (Math.abs(c.start - ref.start) > tolerance)
        problems.push({
          file: c.path,
          problem: 'misaligned',
          detail: `set ${k} starts at ${c.start.toFixed(3)} s; ${ref.r} starts at ${ref.start.toFixed(3)} s`,
        });
    }
  }
  // fMP4 timelines are exact (sample durations): a seam in a resumed encode would show here.
  const continuous = (list: PublishedChunk[]): void => {
    for (let i = 1; i < list.length; i++) {
      const gap = list[i]!.start - list[i - 1]!.end;
      if (Math.abs(gap) > 0.001)
        problems.push({
          file: list[i]!.path,
          problem: 'timestamp-gap',
          detail: `starts ${(gap * 1000).toFixed(1)} ms ${gap > 0 ? 'after' : 'before'} the segment before it ends`,
        });
    }
  };
  if (plan.segmentFormat === 'fmp4') {
    plan.rungs.forEach((_, k) => continuous(sets.map(([, c]) => c[k]!)));
    for (const a of plan.audio) continuous((journal.audio ?? []).filter((c) => c.r === audioDir(a)));
  }
  const videoEnd = sets.at(-1)?.[1][0]?.end ?? 0;
  if (Math.abs(videoEnd - sourceDurationSec) > plan.segmentSeconds) {
    problems.push({
      file: `${plan.rungs[0]!.name}/${MEDIA_PLAYLIST}`,
      problem: 'duration-mismatch',
      detail: `segments add up to ${videoEnd.toFixed(3)} s; the source is ${sourceDurationSec.toFixed(3)} s (allowed: one segment)`,
    });
  }
  for (const a of plan.audio) {
    const end = (journal.audio ?? []).filter((c) => c.r === audioDir(a)).at(-1)?.end ?? 0;
    if (Math.abs(end - videoEnd) > plan.segmentSeconds)
      problems.push({
        file: `${audioDir(a)}/${MEDIA_PLAYLIST}`,
        problem: 'duration-mismatch',
        detail: `audio lasts ${end.toFixed(3)} s; the picture ${videoEnd.toFixed(3)} s`,
      });
  }
  return problems;
}

const digest = (b: Uint8Array) => ({
  size: b.length,
  md5: createHash('md5').update(b).digest('hex'),
  sha256: createHash('sha256').update(b).digest('hex'),
});

/** Playlists, DASH and the manifest for a package whose chunks are all proven; returns the manifest's SHA-256. */
async function writePackage(
  ctx: PipelineContext,
  job: JobRecord,
  journal: ChunkJournal,
  packageDir: string,
  drm: PackageDrm | undefined,
  thumbs: TrickplayFiles | undefined,
): Promise<{ manifest: Manifest; sha256: string }> {
  const plan = job.plan!;
  const media = job.media!;
  const frameRate = outputFrameRate(plan, media.video[0]?.frameRate);
  // A DRM title's init segments are protected now that every chunk is proven behind the clear ones.
  const files: ManifestFile[] = drm ? await drm.protectInits() : [];
  const playlists = await writePlaylists({
    plan,
    journal,
    packageDir,
    frameRate,
    ...(drm ? { drm } : {}),
    ...(thumbs ? { extraMasterLines: [thumbs.streamInf] } : {}),
  });
  const dash = plan.dash
    ? [await writeDashManifest({ plan, journal, packageDir, frameRate, ...(drm ? { drm } : {}) })]
    : [];
  for (const init of journal.inits.values()) {
    if (init.path && !drm)
      files.push({
        path: init.path,
        size: init.size,
        md5: init.md5,
        sha256: init.sha256,
        rendition: init.r,
        kind: 'init-segment',
      });
  }
  for (const c of journal.published()) {
    const v = journal.verified.get(c.path)!;
    if (c.i < 0 && !plan.dash) {
      // The whole subtitle track is DASH's sidecar: without DASH it is not part of the package.
      await rm(join(packageDir, c.path), { force: true });
      continue;
    }
    files.push({
      path: c.path,
      size: v.size,
      md5: v.md5,
      sha256: v.sha256,
      rendition: c.r,
      kind: c.i < 0 ? 'subtitle-track' : 'segment',
      durationSec: Math.max(0, c.end - c.start),
      ...(v.clear ? { clear: v.clear } : {}),
      ...(v.keyId ? { keyId: v.keyId } : {}),
      ...(v.iv ? { iv: v.iv } : {}),
    });
  }
  if (thumbs) files.push(...(await trickplayManifestFiles(packageDir, thumbs)));
  for (const rel of [...playlists, ...dash]) {
    const kind =
      rel === 'master.m3u8'
        ? 'master-playlist'
        : rel.endsWith('.mpd')
          ? 'dash-manifest'
          : rel.endsWith('iframes.m3u8')
            ? 'iframe-playlist'
            : 'media-playlist';
    files.push({
      path: rel,
      ...digest(await readFile(join(packageDir, rel))),
      kind,
      ...(kind === 'media-playlist' || kind === 'iframe-playlist'
        ? { rendition: rel.slice(0, rel.lastIndexOf('/')) }
        : {}),
    });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const keyIds = [...new Set(files.map((f) => f.keyId).filter((k): k is string => !!k))];
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    ...manifestInfo(job.title, await fingerprintFile(job.sourcePath), media, plan, {
      ...(job.claim ? { titleId: job.claim.titleId } : {}),
      jobId: job.id,
    }),
    renditions: renditionsOf(plan, journal),
    ...(drm
      ? { encryption: drm.manifestSection() }
      : plan.encryption
        ? { encryption: { method: 'AES-128' as const, keyUri: plan.encryption.keyUri, keyIds } }
        : {}),
    files,
  };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  await writeFileAtomic(join(packageDir, MANIFEST_FILE), text);
  return { manifest, sha256: createHash('sha256').update(text).digest('hex') };
}

/** The key context of an encrypted title: its keys are named after its title ID and version. */
export function keyContext(
  job: JobRecord,
  plan: TranscodePlan,
): { titleId: string; version: string; jobId: string; keyUri: string; rotateEvery: number } | undefined {
  if (!plan.encryption) return undefined;
  return {
    titleId: job.claim?.titleId ?? slugTitle(job.title),
    version: job.claim?.version ?? job.id,
    jobId: job.id,
    keyUri: plan.encryption.keyUri,
    rotateEvery: plan.encryption.rotateEvery,
  };
}

function recordVerified(job: JobRecord, manifest: Manifest, sha256: string): void {
  job.verified = {
    manifestSha256: sha256,
    fileCount: manifest.files.length,
    totalBytes: manifest.files.reduce((n, f) => n + f.size, 0),
    segmentsChecked: manifest.files.filter((f) => f.kind === 'segment').length,
  };
  job.renditions = manifest.renditions ?? [];
}

/** The QC findings of the title's encode onto the job (analysis/qc-wiring.ts); the error a rejecting one makes. */
async function collectJobQc(ctx: PipelineContext, job: JobRecord, signal: AbortSignal): Promise<Error | undefined> {
  const plan = job.plan;
  if (!plan?.qc) return undefined;
  job.qc = await finishQc(plan.qc, {
    ffmpegPath: ctx.tools().ffmpeg,
    sourcePath: job.sourcePath,
    durationSec: job.media?.durationSec ?? 0,
    signal,
  });
  return qcRejection(job.qc);
}

/**
 * A chunk that failed its proof: a video chunk's whole segment set leaves the package (a retry
 * encodes it again; the encode fills the gap); the error names the chunk and what was wrong.
 */
async function rejectChunk(
  journal: ChunkJournal,
  packageDir: string,
  c: PublishedChunk,
  problem: PackageProblem,
): Promise<VerificationError> {
  const set = kindOf(c.r) === 'video' ? c.i : -1;
  if (set >= 0) {
    // The journal says so first: an upload of another rung's chunk of this set that the removal
    // breaks then sees its chunk withdrawn, not a failure of its own.
    const files = [...(journal.sets.get(set) ?? [])];
    await journal.append({ t: 'rejected', set, problem });
    await journal.append({ t: 'unpublished', set, why: `${problem.problem}: ${problem.detail}` });
    for (const x of files) await rm(join(packageDir, x.path), { force: true });
  }
  return new VerificationError(
    `${c.path} failed verification: ${problem.problem} — ${problem.detail}${set >= 0 ? ' (retry encodes this segment set again)' : ''}`,
    [problem],
  );
}

/** Every chunk the encode publishes, proven once as it appears, until the journal has them all. */
async function proveChunks(
  journal: ChunkJournal,
  verify: () => ChunkVerifyContext,
  expect: { audio: boolean; subs: boolean },
  signal: AbortSignal,
  onVerified: () => void,
): Promise<void> {
  await restoreEncryption(verify());
  journal.settleSwaps();
  // Our place in the journal's publication log: each chunk is taken once, as it appears.
  let cursor = 0;
  for (;;) {
    while (cursor < journal.publishedLog.length) {
      const c = journal.publishedLog[cursor++]!;
      if (!journal.isPublished(c) || journal.verified.has(c.path)) continue;
      const verdict = await verifyChunk(verify(), c, kindOf(c.r));
      if (!verdict.ok) throw await rejectChunk(journal, verify().packageDir, c, verdict.problem);
      onVerified();
    }
    if (journal.complete(expect)) break;
    await journal.changed(signal);
  }
}

/** Killed after the package was written but before the stage was recorded done: it stands as written. */
async function packagedBefore(ctx: PipelineContext, job: JobRecord, journal: ChunkJournal, signal: AbortSignal) {
  const written = journal.packaged
    ? await readFile(join(job.packageDir!, MANIFEST_FILE), 'utf8').catch(() => undefined)
    : undefined;
  if (written === undefined || createHash('sha256').update(written).digest('hex') !== journal.packaged) return false;
  recordVerified(job, JSON.parse(written) as Manifest, journal.packaged);
  // Killed before the findings were kept: read them again (the package passed them).
  if (!job.qc) await collectJobQc(ctx, job, signal);
  return true;
}

/** With every chunk proven: the whole-package checks, trick play, the playlists and the manifest. */
async function finishPackage(
  ctx: PipelineContext,
  job: JobRecord,
  journal: ChunkJournal,
  drm: PackageDrm | undefined,
  keys: ReturnType<typeof keyContext>,
  { signal, progress }: Pick<StageContext, 'signal' | 'progress'>,
): Promise<void> {
  const plan = job.plan!;
  const media = job.media!;
  progress({ fraction: 0.99, detail: 'checking the timeline and writing the playlists' });
  const timeline = timelineProblems(plan, journal, media.durationSec);
  if (timeline.length)
    throw new VerificationError(
      `The package's timeline is wrong: ${timeline.length} problem(s) (first: ${timeline[0]!.file} ${timeline[0]!.problem} — ${timeline[0]!.detail})`,
      timeline,
    );
  // The QC that rode along the encode: findings on the job; one the spec rejects stops it here.
  if (plan.qc) progress({ fraction: 0.99, detail: 'collecting the QC findings' });
  const rejected = await collectJobQc(ctx, job, signal);
  if (rejected) throw rejected;
  // Trick play, made and proven now that the picture is (engine/trickplay/), joins the manifest.
  const thumbs = await packageTrickplay(ctx, job, plan, job.packageDir!, { signal, progress });
  const { manifest, sha256 } = await writePackage(ctx, job, journal, job.packageDir!, drm, thumbs);
  // A kill while the manifest or the marker was being written leaves their temp files: ours, never published.
  await removeLeftovers(job.packageDir!, [MANIFEST_FILE, PACKAGE_MARKER]);
  const structure = await inspectPackage(job.packageDir!, { sourceDurationSec: media.durationSec });
  assertVerified({ problems: structure.problems, segmentsChecked: 0, filesHashed: 0 });
  await finishOutputDir(job.packageDir!, [...manifest.files.map((f) => f.path), MANIFEST_FILE]);
  recordVerified(job, manifest, sha256);
  if (keys) job.keyExport = ctx.keys.fileFor(keys.titleId, keys.version);
  await journal.append({ t: 'packaged', manifestSha256: sha256 });
}

export function verifyStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'verify',
    after: ['claim'],
    // A set this stage threw away is encoded again by the transcode.
    alsoRetry: () => ['transcode'],
    async run({ job, signal, progress }) {
      if (alreadyDelivered(job)) return 'skipped';
      const plan = need(job, 'plan', job.plan);
      const media = need(job, 'media info', job.media);
      const journal = await journalOf(ctx, job);
      const keys = keyContext(job, plan);
      await journal.until(() => job.packageDir !== undefined, signal);
      // A DRM title's keys: from memory, or asked of its provider again (the same key IDs) after a restart.
      const drm = await packageDrmOf(ctx, job, plan, journal, job.packageDir!, signal);
      const expect = { audio: plan.audio.length > 0, subs: plan.subtitles.length > 0 };
      const verify = (): ChunkVerifyContext => ({
        ffprobePath: ctx.tools().ffprobe,
        packageDir: job.packageDir!,
        journal,
        ...(keys ? { encryption: { store: ctx.keys, ctx: keys } } : {}),
        ...(drm ? { drm } : {}),
        signal,
      });
      // Rough count for the bar until the encode knows: sets × rungs + audio segments + subtitle segments.
      const sets = Math.ceil(media.durationSec / plan.segmentSeconds);
      const estimate = (): number =>
        (journal.encodedSets ?? sets) * plan.rungs.length + sets * (plan.audio.length + plan.subtitles.length);
      const rate = new RateEstimator(estimate());
      await proveChunks(journal, verify, expect, signal, () => {
        rate.add(journal.verified.size);
        const eta = rate.etaSeconds();
        progress({
          fraction: Math.min(0.99, journal.verified.size / Math.max(1, estimate())),
          detail: `${journal.verified.size} of ${journal.complete(expect) ? journal.publishedCount() : `~${estimate()}`} chunks verified${keys || drm ? ' and encrypted' : ''}`,
          ...(eta !== undefined ? { etaSeconds: eta } : {}),
        });
      });
      if (await packagedBefore(ctx, job, journal, signal)) return 'done';
      await finishPackage(ctx, job, journal, drm, keys, { signal, progress });
      return 'done';
    },
  };
}
