/**
 * `transcode <file> --out <dir>`: offline packaging through the same pipeline as `ingest` — probe,
 * plan, the streamed encode with its hardware fallback, verify chunk by chunk, playlists and
 * manifest — with nothing claimed, uploaded or audited. Killed and run again with the same
 * arguments, it resumes from the last verified segment (the job lives in the work folder).
 */
import { resolve } from 'node:path';
import { keyUriProblem, stationConfigSchema, type StationConfig } from '../../common/config.js';
import { defaultTranscodeConfig, loadConfigFile } from '../../engine/config-file.js';
import { openStation } from '../../engine/station.js';
import { buildReport } from '../../engine/title/title-report.js';
import { StationError } from '../../engine/util/errors.js';
import { perTitleLines } from '../../common/ladder.js';
import { createProgressPrinter } from '../progress-printer.js';
import { DRM_FLAG_HELP, drmLines, drmSummary, withDrm } from '../drm-flag.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';
import { contentOverrides, type ContentFlags } from '../content-flags.js';
import { contentJson, decisionLines } from '../content-lines.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';
import { addContentFlags } from '../content-flags.js';

export interface TranscodeCliOptions extends ContentFlags {
  out: string;
  config?: string;
  profile?: string;
  ladder?: string;
  encoder?: string;
  segment?: number;
  format?: string;
  dash?: boolean;
  json?: boolean;
  encrypt?: boolean;
  keyUri?: string;
  rotateKeys?: number;
  captions?: string[];
  drm?: boolean;
}

/** `Film.srt:fr` → the file and its language; a bare path (even `C:\x.srt`) has none. */
export function parseCaptionArg(arg: string, cwd: string): { path: string; language?: string } {
  const m = /^(.+):([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)$/.exec(arg);
  return m ? { path: resolve(cwd, m[1]!), language: m[2]! } : { path: resolve(cwd, arg) };
}

/** The station config for an offline package: the config file's (or the defaults) with the flags on top. */
function transcodeConfig(base: StationConfig, opts: TranscodeCliOptions): StationConfig {
  if (opts.format && opts.format !== 'fmp4' && opts.format !== 'ts')
    throw new StationError('--format is fmp4 or ts', 'config-format');
  if (opts.segment !== undefined && !(opts.segment >= 1 && opts.segment <= 30))
    throw new StationError('--segment takes 1 to 30 seconds', 'config-segment');
  if (opts.ladder && opts.ladder !== 'per-title' && opts.ladder !== 'fixed')
    throw new StationError(
      "--ladder is per-title (measure each film) or fixed (the profile's bit rates)",
      'config-ladder',
    );
  if (opts.rotateKeys !== undefined && !(Number.isInteger(opts.rotateKeys) && opts.rotateKeys >= 0))
    throw new StationError('--rotate-keys takes a whole number of segments (0: one key)', 'config-rotate');
  if (opts.keyUri) {
    const problem = keyUriProblem(opts.keyUri);
    if (problem) throw new StationError(`--key-uri ${opts.keyUri}: ${problem}`, 'config-key-uri');
  }
  const encryption = {
    ...base.encryption,
    ...(opts.encrypt ? { enabled: true } : {}),
    ...(opts.keyUri ? { keyUri: opts.keyUri } : {}),
    ...(opts.rotateKeys !== undefined ? { rotateEvery: opts.rotateKeys } : {}),
  };
  if (encryption.enabled && !encryption.keyUri)
    throw new StationError(
      '--encrypt needs the URI players fetch keys from: --key-uri "https://keys.example/{keyId}" (or encryption.keyUri in --config)',
      'config-key-uri',
    );
  return stationConfigSchema.parse({
    ...withDrm(base, opts.drm),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.ladder ? { ladder: opts.ladder } : {}),
    ...(opts.encoder ? { encoder: opts.encoder } : {}),
    ...(opts.segment !== undefined ? { segmentSeconds: opts.segment } : {}),
    ...(opts.format ? { segmentFormat: opts.format } : {}),
    ...(opts.dash ? { dash: true } : {}),
    encryption,
  });
}

export async function transcodeCommand(file: string, opts: TranscodeCliOptions, io: CliIo): Promise<number> {
  const loaded = opts.config ? await loadConfigFile(resolve(io.cwd, opts.config)) : defaultTranscodeConfig(io.cwd);
  const config = transcodeConfig(loaded.config, opts);
  const overrides = contentOverrides(opts);
  const source = resolve(io.cwd, file);
  const out = resolve(io.cwd, opts.out);
  const captions = (opts.captions ?? []).map((c) => parseCaptionArg(c, io.cwd));
  // Only this master into this folder: other unfinished packages in the work folder wait for their own run.
  const station = await openStation({
    config,
    baseDir: loaded.baseDir,
    deliver: false,
    eligible: (j) => j.sourcePath === source && j.packageTarget === out,
    warn: (s) => io.stderr(`warning: ${s}`),
  });
  let rec;
  try {
    const ffprobeWarning = (() => {
      try {
        return station.tools().ffprobeWarning;
      } catch {
        return undefined; // no ffmpeg: the probe fails with the reason
      }
    })();
    if (ffprobeWarning) io.stderr(`warning: ${ffprobeWarning}`);
    const off = station.queue.onUpdate(createProgressPrinter(io.stderr));
    const [job] = await station.queue.add(
      [source],
      {},
      { packageTarget: out, overrides, ...(captions.length ? { extraCaptions: captions } : {}) },
    );
    await station.queue.waitFor(job!.id);
    off();
    rec = station.queue.get(job!.id)!;
  } finally {
    await station.close();
  }
  for (const w of rec.warnings) io.stderr(`warning: ${w}`);
  const keyExport = rec.keyExport;
  if (rec.state !== 'done') {
    io.stderr(`${rec.title}: ${rec.state} — ${rec.error?.message ?? 'no reason recorded'}`);
    for (const line of decisionLines(rec)) io.stderr(line);
    if (opts.json) io.json({ state: rec.state, error: rec.error, ...contentJson(rec), report: buildReport(rec) });
    return EXIT_FAILED;
  }
  io.stderr(
    `${out}: verified package — ${rec.verified?.fileCount ?? 0} files, manifest SHA-256 ${rec.verified?.manifestSha256 ?? '?'}`,
  );
  if (rec.ladder)
    io.stderr(
      `ladder: ${rec.ladder.rungs.map((r) => `${r.name} ${r.width}×${r.height} ${r.videoKbps} kb/s`).join(', ')} · encoder ${rec.ladder.encoder} (${rec.ladder.encoderReason})`,
    );
  if (rec.ladder?.perTitle) for (const line of perTitleLines(rec.ladder.perTitle)) io.stderr(line);
  for (const r of rec.renditions ?? [])
    if (r.type !== 'video')
      io.stderr(
        `${r.type}: ${r.name} · ${r.label ?? ''}${r.language ? ` (${r.language})` : ''}${r.default ? ' · default' : ''}`,
      );
  for (const line of decisionLines(rec)) io.stderr(line);
  if (keyExport) io.stderr(`keys: ${keyExport} (owner-only; give it to the key server — it is never uploaded)`);
  const drm = drmSummary(rec);
  for (const l of drm ? drmLines(drm) : []) io.stderr(l);
  if (opts.json) {
    io.json({
      state: rec.state,
      package: out,
      ladder: rec.ladder,
      renditions: rec.renditions ?? [],
      ...contentJson(rec),
      manifestSha256: rec.verified?.manifestSha256,
      ...(keyExport ? { keys: keyExport, cpix: keyExport.replace(/\.keys\.json$/, '.cpix.xml') } : {}),
      ...(drm ? { drm } : {}),
      warnings: rec.warnings,
    });
  }
  return EXIT_OK;
}

/** `transcode <file> --out <dir>` on the command line. */
export function registerTranscode(program: Command, cli: CliContext): void {
  addContentFlags(program.command('transcode'))
    .description(
      'offline: probe, plan, transcode and verify one master into an HLS package folder (no upload); run again after a crash to resume',
    )
    .argument('<file>', 'source master')
    .requiredOption('--out <dir>', 'package folder to create (empty, or one the station made)')
    .option(
      '--config <file>',
      'station config for work folder, keys folder, encryption and defaults (destinations are not contacted)',
    )
    .option(
      '--profile <name|file>',
      'ladder profile: a name in resources/ladder-profiles.json or a JSON file (default: the config\'s, else "default")',
    )
    .option(
      '--ladder <per-title|fixed>',
      "per-title: each rung's bit rate measured for this film (the default profile's); fixed: the profile's bit rates",
    )
    .option(
      '--encoder <auto|name>',
      'auto (hardware if a trial encode passes) or an ffmpeg encoder name (default: auto)',
    )
    .option('--segment <s>', 'segment length in seconds', Number)
    .option('--format <fmp4|ts>', 'segment container (default: fmp4)')
    .option('--dash', 'also write a DASH manifest (manifest.mpd) over the same CMAF segments')
    .option('--encrypt', 'AES-128 encrypt every segment; keys stay on this machine and are exported for the key server')
    .option('--key-uri <template>', 'where players fetch keys, with {keyId}: "https://keys.example/{keyId}"')
    .option('--rotate-keys <n>', 'a new key every n segments (default: one key per title)', Number)
    .option('--drm', DRM_FLAG_HELP)
    .option(
      '--captions <file[:lang]>',
      'a caption file (.srt, .vtt, .scc) to carry, with its language if the name does not say; repeatable',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--json', 'print the ladder, the renditions and where the keys were written as JSON on stdout')
    .action(async (file: string, opts: TranscodeCliOptions) => {
      cli.exit(await transcodeCommand(file, opts, cli.io));
    });
}
