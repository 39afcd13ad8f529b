/**
 * Verify stage: prove a package whole before anything leaves the station.
 *   1. structure (verify/playlists.ts): playlists, references, strays, EXTINF, sequence, durations;
 *   2. decode (verify/decode-check.ts): every segment of every rendition, renditions in parallel up
 *      to the core count, and video rungs cut at the same instants;
 *   3. hashes: MD5 + SHA-256 of every file, in the same pass.
 * mode 'write' then writes manifest.json atomically (only for a clean package); mode 'check'
 * compares every file with an existing manifest — the only check that catches every bit flip —
 * and, given the manifest's SHA-256 from the report, detects a manifest edited by hand.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import {
  MANIFEST_FILE,
  MANIFEST_SCHEMA_VERSION,
  manifestSchema,
  type Manifest,
  type ManifestFile,
  type PackageProblem,
  type SourceFingerprint,
} from '../../common/manifest.js';
import type { MediaInfo } from '../../common/media.js';
import type { TranscodePlan } from './plan.js';
import { describeZodError } from '../../common/config.js';
import { VerificationError } from '../util/errors.js';
import { hashFile } from '../util/hash-file.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { inspectPackage, type Rendition } from '../verify/playlists.js';
import { checkAlignment, decodeCheckRendition, type RenditionDecodeResult } from '../verify/decode-check.js';
import type { StageRunner } from '../queue/job-queue.js';
import { fingerprintFile } from '../util/fingerprint.js';
import { RateEstimator } from '../util/rate.js';
import { alreadyDelivered, need, type PipelineContext } from './context.js';

export type ManifestInfo = Omit<Manifest, 'schemaVersion' | 'createdAt' | 'files'>;

/** What a manifest records besides its files: the title, its master and how it was encoded. */
export function manifestInfo(title: string, fingerprint: SourceFingerprint, media: MediaInfo, plan: TranscodePlan, identity: { titleId?: string; jobId?: string } = {}): ManifestInfo {
  const v = media.video[0];
  const a = media.audio[0];
  return {
    title,
    ...(identity.titleId ? { titleId: identity.titleId } : {}),
    ...(identity.jobId ? { jobId: identity.jobId } : {}),
    source: { ...fingerprint, durationSec: media.durationSec },
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

export interface VerifyOptions {
  packageDir: string;
  ffprobePath: string;
  /** 'write' a new manifest.json (after transcode) or 'check' against the one in the package. */
  mode: 'write' | 'check';
  /** Required for 'write': what the manifest records besides the files. */
  info?: ManifestInfo;
  /** For 'check': the manifest's SHA-256 as recorded in the title's report. */
  expectedManifestSha256?: string;
  /** Source duration to compare the renditions with (from the manifest in 'check' mode). */
  sourceDurationSec?: number;
  /** Skip decoding (hash and structure only); decoding is on by default. */
  decode?: boolean;
  signal?: AbortSignal;
  /** Segments decoded so far / segments in the package. */
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyResult {
  problems: PackageProblem[];
  segmentsChecked: number;
  filesHashed: number;
  manifest?: Manifest;
  manifestSha256?: string;
}

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

async function readManifest(dir: string, expectedSha256: string | undefined, problems: PackageProblem[]): Promise<Manifest | undefined> {
  let raw: Buffer;
  try {
    raw = await readFile(join(dir, MANIFEST_FILE));
  } catch {
    problems.push({ file: MANIFEST_FILE, problem: 'missing', detail: 'the package has no manifest to check against' });
    return undefined;
  }
  if (expectedSha256 && sha256(raw) !== expectedSha256) {
    problems.push({ file: MANIFEST_FILE, problem: 'manifest-tampered', detail: `SHA-256 ${sha256(raw)} differs from the ${expectedSha256} recorded when it was written` });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    problems.push({ file: MANIFEST_FILE, problem: 'manifest-invalid', detail: `not JSON: ${(err as Error).message}` });
    return undefined;
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    problems.push({ file: MANIFEST_FILE, problem: 'manifest-invalid', detail: describeZodError(parsed.error) });
    return undefined;
  }
  return parsed.data;
}

export async function verifyPackage(opts: VerifyOptions): Promise<VerifyResult> {
  const problems: PackageProblem[] = [];
  const dir = opts.packageDir;
  const existing = opts.mode === 'check' ? await readManifest(dir, opts.expectedManifestSha256, problems) : undefined;
  const sourceDurationSec = opts.sourceDurationSec ?? existing?.source.durationSec ?? opts.info?.source.durationSec;
  const structure = await inspectPackage(dir, sourceDurationSec !== undefined ? { sourceDurationSec } : {});
  problems.push(...structure.problems);

  const unusable = new Set(structure.problems.filter((p) => ['missing', 'empty', 'outside-package'].includes(p.problem)).map((p) => p.file));
  // Decode what exists; alignment still compares the renditions as their playlists list them.
  const renditions = structure.renditions.map((full) => ({ full, usable: { ...full, segments: full.segments.filter((s) => !unusable.has(s.path)) } }));
  const total = renditions.reduce((n, r) => n + r.usable.segments.length, 0);
  const done = new Map<string, number>();
  const report = (): void => opts.onProgress?.([...done.values()].reduce((a, b) => a + b, 0), total);

  const decodeLimit = pLimit(Math.max(1, availableParallelism()));
  const decodes =
    opts.decode === false
      ? Promise.resolve([] as Array<{ rendition: Rendition; decode: RenditionDecodeResult }>)
      : Promise.all(
          renditions
            .filter(({ usable: r }) => !(r.init && unusable.has(r.init)) && r.segments.length > 0)
            .map(({ full, usable: r }) =>
              decodeLimit(async () => ({
                rendition: full,
                decode: await decodeCheckRendition(r, {
                  ffprobePath: opts.ffprobePath,
                  packageDir: dir,
                  ...(opts.signal ? { signal: opts.signal } : {}),
                  onProgress: (n) => {
                    done.set(r.name, n);
                    report();
                  },
                }),
              })),
            ),
        );

  const hashLimit = pLimit(4);
  const hashed = Promise.all(
    structure.entries
      .filter((e) => !unusable.has(e.path))
      .map((e) =>
        hashLimit(async (): Promise<ManifestFile> => {
          const d = await hashFile(join(dir, e.path), opts.signal);
          return { ...e, size: d.size, md5: d.md5, sha256: d.sha256 };
        }),
      ),
  );

  const [decoded, files] = await Promise.all([decodes, hashed]);
  for (const d of decoded) problems.push(...d.decode.problems);
  problems.push(...checkAlignment(decoded));
  files.sort((a, b) => a.path.localeCompare(b.path));

  if (existing) {
    const expected = new Map(existing.files.map((f) => [f.path, f]));
    for (const f of files) {
      const m = expected.get(f.path);
      if (!m) problems.push({ file: f.path, problem: 'not-in-manifest', detail: 'the package has this file; the manifest does not list it' });
      else if (m.size !== f.size) problems.push({ file: f.path, problem: 'size-mismatch', detail: `${f.size} bytes; the manifest says ${m.size}` });
      else if (m.sha256 !== f.sha256) problems.push({ file: f.path, problem: 'hash-mismatch', detail: `SHA-256 ${f.sha256} differs from the manifest's ${m.sha256}` });
      expected.delete(f.path);
    }
    for (const m of expected.values()) {
      if (!problems.some((p) => p.file === m.path)) problems.push({ file: m.path, problem: 'missing', detail: 'listed in the manifest but not in the package' });
    }
  }

  const result: VerifyResult = { problems, segmentsChecked: opts.decode === false ? 0 : total, filesHashed: files.length };
  if (existing) result.manifest = existing;
  if (opts.mode === 'write' && problems.length === 0) {
    if (!opts.info) throw new Error("verifyPackage: mode 'write' needs info");
    const manifest: Manifest = { schemaVersion: MANIFEST_SCHEMA_VERSION, createdAt: new Date().toISOString(), ...opts.info, files };
    const text = JSON.stringify(manifest, null, 2) + '\n';
    await writeFileAtomic(join(dir, MANIFEST_FILE), text);
    result.manifest = manifest;
    result.manifestSha256 = sha256(text);
  }
  return result;
}

/** Throw a VerificationError naming every problem (or return quietly when there are none). */
export function assertVerified(result: VerifyResult): void {
  const n = result.problems.length;
  if (n === 0) return;
  const first = result.problems[0]!;
  throw new VerificationError(`Package failed verification: ${n} problem${n > 1 ? 's' : ''} (first: ${first.file} ${first.problem} — ${first.detail})`, result.problems);
}

export function verifyStage(ctx: PipelineContext): StageRunner {
  return {
    name: 'verify',
    async run({ job, signal, progress }) {
      if (alreadyDelivered(job)) return 'skipped';
      const plan = need(job, 'plan', job.plan);
      const media = need(job, 'media info', job.media);
      let rate: RateEstimator | undefined;
      const result = await verifyPackage({
        packageDir: need(job, 'package', job.packageDir),
        ffprobePath: ctx.tools().ffprobe,
        mode: 'write',
        info: manifestInfo(job.title, await fingerprintFile(job.sourcePath), media, plan, { ...(job.claim ? { titleId: job.claim.titleId } : {}), jobId: job.id }),
        signal,
        onProgress: (done, total) => {
          rate ??= new RateEstimator(total);
          rate.add(done);
          const etaSeconds = rate.etaSeconds();
          progress({ fraction: total ? done / total : 1, detail: `${done} / ${total} segments checked`, ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
        },
      });
      assertVerified(result);
      const manifest = result.manifest!;
      job.verified = {
        manifestSha256: result.manifestSha256!,
        fileCount: manifest.files.length,
        totalBytes: manifest.files.reduce((n, f) => n + f.size, 0),
        segmentsChecked: result.segmentsChecked,
      };
      return 'done';
    },
  };
}
