import { basename, extname, resolve } from 'node:path';
import { formatDuration, formatPercent } from '../../common/format.js';
import { cliTools } from '../tools.js';
import { detectEncoders } from '../../engine/ffmpeg/encoders.js';
import { loadSpec } from '../../engine/probe/load-spec.js';
import { DEFAULT_RESOURCES } from '../../engine/station.js';
import { planTranscode } from '../../engine/stages/plan.js';
import { probeMaster } from '../../engine/stages/probe.js';
import { loadProfile } from '../../engine/stages/profiles.js';
import { transcode } from '../../engine/stages/transcode.js';
import { assertVerified, manifestInfo, verifyPackage } from '../../engine/stages/verify.js';
import { fingerprintFile } from '../../engine/util/fingerprint.js';
import { StationError } from '../../engine/util/errors.js';
import { newJobId } from '../../engine/queue/job-queue.js';
import { EXIT_OK, type CliIo } from '../io.js';

interface TranscodeCliOptions {
  out: string;
  profile?: string;
  encoder?: string;
  segment?: number;
  format?: string;
  dash?: boolean;
  json?: boolean;
}

/** `transcode <file> --out <dir>`: probe, plan, one-process ladder and a verified package — offline. */
export async function transcodeCommand(file: string, opts: TranscodeCliOptions, io: CliIo): Promise<number> {
  if (opts.format && opts.format !== 'fmp4' && opts.format !== 'ts') throw new StationError('--format is fmp4 or ts', 'config-format');
  if (opts.segment !== undefined && !(opts.segment >= 1 && opts.segment <= 30)) throw new StationError('--segment takes 1 to 30 seconds', 'config-segment');
  const tools = cliTools(io);
  const source = resolve(io.cwd, file);
  const out = resolve(io.cwd, opts.out);
  const profileArg = opts.profile ?? 'default';
  const profile = await loadProfile(profileArg, `${DEFAULT_RESOURCES}/ladder-profiles.json`, io.cwd);
  const { media, spec } = await probeMaster(source, { ffprobePath: tools.ffprobe, ffmpegPath: tools.ffmpeg, spec: await loadSpec(`${DEFAULT_RESOURCES}/delivery-spec.json`) });
  for (const f of spec?.findings ?? []) io.stderr(`${f.severity} ${f.code}: ${f.message}`);
  const encoder =
    !opts.encoder || opts.encoder === 'auto'
      ? await detectEncoders(tools.ffmpeg)
      : { chosen: opts.encoder, reason: `chosen with --encoder ${opts.encoder}` };
  const plan = planTranscode(media, { segmentSeconds: opts.segment ?? 6, profile, encoder, segmentFormat: (opts.format as 'fmp4' | 'ts' | undefined) ?? 'fmp4', dash: opts.dash ?? false });
  io.stderr(`ladder: ${plan.rungs.map((r) => `${r.name} ${r.width}×${r.height} ${r.videoKbps} kb/s`).join(', ')} · encoder ${plan.encoder} (${plan.encoderReason})`);
  let last = -1;
  const packageDir = await transcode({
    ffmpegPath: tools.ffmpeg,
    sourcePath: source,
    durationSec: media.durationSec,
    ...(media.video[0] ? { sourceFrameRate: media.video[0].frameRate } : {}),
    plan,
    jobDir: resolve(out, '..'),
    packageDir: out,
    onProgress: (p) => {
      const step = Math.floor(p.fraction * 10);
      if (step === last) return;
      last = step;
      io.stderr(`transcode · ${formatPercent(p.fraction)}${p.detail ? ` · ${p.detail}` : ''}${p.etaSeconds !== undefined ? ` · ETA ${formatDuration(p.etaSeconds)}` : ''}`);
    },
  });
  const fp = await fingerprintFile(source);
  const v = await verifyPackage({
    packageDir,
    ffprobePath: tools.ffprobe,
    mode: 'write',
    // The package's own job id: the owner of its claims when it is uploaded by hand later.
    info: manifestInfo(basename(source, extname(source)), fp, media, plan, { jobId: newJobId() }),
  });
  assertVerified(v);
  io.stderr(`${packageDir}: verified package — ${v.manifest!.files.length} files, manifest SHA-256 ${v.manifestSha256}`);
  if (opts.json) io.stdout(JSON.stringify({ package: packageDir, plan, manifestSha256: v.manifestSha256, warnings: (spec?.findings ?? []).map((f) => f.message) }, null, 2));
  return EXIT_OK;
}
