import { detectEncoders } from '../../engine/ffmpeg/encoders.js';
import { locateTools } from '../../engine/ffmpeg/locate.js';
import { EXIT_OK, type CliIo } from '../io.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `encoders`: which hardware encoders this ffmpeg lists, which pass a real trial encode, and why not. */
export async function encoders(
  opts: { json?: boolean; refresh?: boolean; cacheDir?: string },
  io: CliIo,
): Promise<number> {
  const { ffmpeg } = locateTools();
  const report = await detectEncoders(ffmpeg, opts.cacheDir, { refresh: opts.refresh ?? false });
  if (opts.json) io.json(report);
  io.stderr(
    `ffmpeg ${report.version} (${report.ffmpeg}) lists: ${report.listed.join(', ') || 'no hardware H.264 encoders'}`,
  );
  for (const p of report.probes)
    io.stderr(`  ${p.encoder}: ${p.usable ? 'usable' : `unusable — ${p.reason}`} (${p.ms} ms)`);
  io.stderr(`chosen: ${report.chosen} — ${report.reason}`);
  return EXIT_OK;
}

/** `encoders` on the command line. */
export function registerEncoders(program: Command, cli: CliContext): void {
  program
    .command('encoders')
    .description('detect hardware H.264 encoders by real trial encode; show why each is unusable and which is chosen')
    .option('--json', 'print the report as JSON on stdout')
    .option('--refresh', 'ignore the cached result and run the trials again')
    .action(async (opts: { json?: boolean; refresh?: boolean }) => {
      cli.exit(await encoders(opts, cli.io));
    });
}
