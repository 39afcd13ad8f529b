import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { userCacheDir } from '../../engine/config-file.js';
import { KeyStore } from '../../engine/package/encryption.js';
import { cliTools } from '../tools.js';
import { verifyPackage } from '../../engine/verify/verify-package.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** `verify <packageDir>`: check a package against its manifest. */
export async function verify(
  packageDir: string,
  opts: { json?: boolean; manifestSha256?: string; noDecode?: boolean; keys?: string },
  io: CliIo,
): Promise<number> {
  const { ffprobe } = cliTools(io);
  const dir = resolve(io.cwd, packageDir);
  // An encrypted package decodes through its keys: --keys, else the folder `transcode` keeps them in.
  const keysDir = opts.keys ? resolve(io.cwd, opts.keys) : join(userCacheDir(), 'transcode', 'keys');
  let last = 0;
  const result = await verifyPackage({
    packageDir: dir,
    ffprobePath: ffprobe,
    mode: 'check',
    ...(opts.manifestSha256 ? { expectedManifestSha256: opts.manifestSha256.toLowerCase() } : {}),
    ...(opts.noDecode ? { decode: false } : {}),
    ...(opts.keys || existsSync(keysDir) ? { keys: new KeyStore(keysDir) } : {}),
    onProgress: (done, total) => {
      // A line at every 10 %: enough to see it move on a 10,000-chunk title without flooding logs.
      const step = Math.floor((done / Math.max(1, total)) * 10);
      if (step > last) {
        last = step;
        io.stderr(`verify · ${done} / ${total} segments checked`);
      }
    },
  });
  for (const n of result.notes ?? []) io.stderr(`note: ${n}`);
  if (opts.json)
    io.json({
      packageDir: dir,
      ok: result.problems.length === 0,
      segmentsChecked: result.segmentsChecked,
      filesHashed: result.filesHashed,
      problems: result.problems,
      notes: result.notes ?? [],
    });
  if (result.problems.length === 0) {
    io.stderr(
      `${dir}: verified — ${result.filesHashed} files match the manifest, ${result.segmentsChecked} segments decoded`,
    );
    return EXIT_OK;
  }
  io.stderr(`${dir}: ${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}`);
  for (const p of result.problems) io.stderr(`  ${p.file}: ${p.problem} — ${p.detail}`);
  return EXIT_FAILED;
}

/** `verify <packageDir>` on the command line. */
export function registerVerify(program: Command, cli: CliContext): void {
  program
    .command('verify')
    .description('check a package against its manifest: structure, every segment decoded, every file hashed')
    .argument('<packageDir>', 'package folder (holds master.m3u8 and manifest.json)')
    .option('--json', 'print the result (every problem: file, problem, detail) as JSON on stdout')
    .option(
      '--manifest-sha256 <hex>',
      "the manifest's SHA-256 from the title's report, to detect a manifest edited by hand",
    )
    .option('--no-decode', 'skip decoding (structure and hashes only)')
    .option('--keys <dir>', "an encrypted package's keys folder (default: the one `transcode` writes to)")
    .action(
      async (
        packageDir: string,
        opts: { json?: boolean; manifestSha256?: string; decode?: boolean; keys?: string },
      ) => {
        cli.exit(await verify(packageDir, { ...opts, noDecode: opts.decode === false }, cli.io));
      },
    );
}
