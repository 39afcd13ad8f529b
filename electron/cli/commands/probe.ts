import { resolve } from 'node:path';
import { describeAudio, describeVideo, type MediaInfo } from '../../common/media.js';
import type { SpecFinding, SpecResult } from '../../common/spec.js';
import { formatBytes, formatDuration } from '../../common/format.js';
import { cliTools } from '../tools.js';
import { toolVersion } from '../../engine/ffmpeg/version.js';
import { loadSpec } from '../../engine/probe/load-spec.js';
import { DEFAULT_RESOURCES } from '../../engine/station-inputs.js';
import { MasterRejected, probeMaster } from '../../engine/probe/probe-master.js';
import { errorMessage } from '../../engine/util/errors.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';

function mediaLines(m: MediaInfo): string[] {
  const lines = [
    `  container ${m.container} · ${formatDuration(m.durationSec)} (${m.durationSec.toFixed(3)} s) · ${formatBytes(m.sizeBytes)}${m.bitRate ? ` · ${(m.bitRate / 1e6).toFixed(1)} Mb/s` : ''}${m.startTimecode ? ` · TC ${m.startTimecode}` : ''}`,
  ];
  for (const v of m.video) lines.push(`  video #${v.index}: ${describeVideo(v)}`);
  for (const a of m.audio) lines.push(`  audio #${a.index}: ${describeAudio(a)}`);
  for (const s of m.subtitles) lines.push(`  subtitle #${s.index}: ${s.codec}${s.language ? ` · ${s.language}` : ''}`);
  return lines;
}

/** `probe <file...>`: MediaInfo and the delivery spec's verdict per master. */
export async function probe(files: string[], opts: { json?: boolean; spec?: string }, io: CliIo): Promise<number> {
  const tools = cliTools(io);
  const spec = await loadSpec(opts.spec ? resolve(io.cwd, opts.spec) : `${DEFAULT_RESOURCES}/delivery-spec.json`);
  io.stderr(`ffprobe: ${tools.ffprobe} (${await toolVersion(tools.ffprobe)}) · spec: ${spec.name}`);
  const results: Array<{
    path: string;
    accepted: boolean;
    media?: MediaInfo;
    spec?: SpecResult;
    findings: SpecFinding[];
  }> = [];
  for (const file of files) {
    const path = resolve(io.cwd, file);
    try {
      const r = await probeMaster(path, { ffprobePath: tools.ffprobe, ffmpegPath: tools.ffmpeg, spec });
      results.push({
        path,
        accepted: true,
        media: r.media,
        ...(r.spec ? { spec: r.spec } : {}),
        findings: r.spec?.findings ?? [],
      });
    } catch (err) {
      if (!(err instanceof MasterRejected)) {
        results.push({
          path,
          accepted: false,
          findings: [{ code: 'unreadable', severity: 'error', message: errorMessage(err) }],
        });
        continue;
      }
      const media = (err as MasterRejected & { media?: MediaInfo }).media;
      results.push({ path, accepted: false, ...(media ? { media } : {}), findings: err.findings });
    }
  }
  for (const r of results) {
    io.stderr(`${r.path}: ${r.accepted ? 'accepted' : 'REJECTED'}`);
    if (r.media) for (const l of mediaLines(r.media)) io.stderr(l);
    for (const f of r.findings) io.stderr(`  ${f.severity} ${f.code}: ${f.message}`);
  }
  if (opts.json) io.json({ ffprobe: tools.ffprobe, spec: spec.name, results });
  return results.every((r) => r.accepted) ? EXIT_OK : EXIT_FAILED;
}

/** `probe <file...>` on the command line. */
export function registerProbe(program: Command, cli: CliContext): void {
  program
    .command('probe')
    .description('identify masters (MediaInfo) and check them against the delivery spec; exit 1 if any is rejected')
    .argument('<file...>', 'source masters')
    .option('--spec <file>', 'delivery spec (default: resources/delivery-spec.json)')
    .option('--json', 'print MediaInfo and spec results as JSON on stdout')
    .action(async (files: string[], opts: { json?: boolean; spec?: string }) => {
      cli.exit(await probe(files, opts, cli.io));
    });
}
