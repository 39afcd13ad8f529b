import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { userCacheDir } from '../../engine/config-file.js';
import { KeyStore } from '../../engine/package/encryption.js';
import { cliTools } from '../tools.js';
import { verifyPackage, type VerifyOptions, type VerifyResult } from '../../engine/verify/verify-package.js';
import { keysFromCpixFile, keysFromLocalStore } from '../../engine/verify/package-keys.js';
import { StationError } from '../../engine/util/errors.js';
import { EXIT_FAILED, EXIT_OK, type CliIo } from '../io.js';
import type { Command } from 'commander';
import type { CliContext } from '../command.js';

/** How to give a DRM package's keys, said whenever it was proven without them. */
const DRM_KEYS_HINT =
  'to decrypt and decode it, give its keys: --keys <cpix-file> (the CPIX document with the keys in clear), or run verify as the station that made it (its keys folder: --keys <dir>)';

/**
 * Where an encrypted package's keys are: `--keys` names a CPIX document (a DRM package's keys) or a
 * keys folder (AES-128 keys, and the sealed local DRM keys in its drm/ folder); without it, the
 * folder `transcode` keeps them in — which holds no keys for a title another station or a key
 * provider made, and then the package is proven by hash only (and says so).
 */
async function keySources(io: CliIo, keys: string | undefined): Promise<Pick<VerifyOptions, 'keys' | 'drmKeys'>> {
  const given = keys ? resolve(io.cwd, keys) : undefined;
  const isFile = given
    ? await stat(given).then(
        (s) => s.isFile(),
        () => undefined,
      )
    : undefined;
  if (given && isFile === undefined)
    throw new StationError(
      `--keys ${given} does not exist: give the CPIX document with the package's keys, or a keys folder`,
      'config-keys',
    );
  if (given && isFile) return { drmKeys: () => keysFromCpixFile(given) };
  const dir = given ?? join(userCacheDir(), 'transcode', 'keys');
  if (!given && !existsSync(dir)) return {};
  return {
    keys: new KeyStore(dir),
    drmKeys: async (kids) => {
      const local = await keysFromLocalStore(dir, kids);
      // A folder named on purpose must hold them (a missing key is a problem); the default may not.
      return given || local.keys.size > 0 ? local : undefined;
    },
  };
}

function report(io: CliIo, dir: string, result: VerifyResult, json: boolean | undefined): void {
  const drmHashOnly = result.notes?.some((n) => n.includes('DRM-encrypted'));
  for (const n of result.notes ?? []) io.stderr(`note: ${n}`);
  if (drmHashOnly) io.stderr(`note: ${DRM_KEYS_HINT}`);
  if (json)
    io.json({
      packageDir: dir,
      ok: result.problems.length === 0,
      segmentsChecked: result.segmentsChecked,
      filesHashed: result.filesHashed,
      problems: result.problems,
      notes: result.notes ?? [],
      ...(result.decrypted ? { decrypted: result.decrypted } : {}),
      ...(drmHashOnly ? { provenBy: 'hash', keysHint: DRM_KEYS_HINT } : {}),
    });
}

/** `verify <packageDir>`: check a package against its manifest (a DRM package through its keys, when given). */
export async function verify(
  packageDir: string,
  opts: { json?: boolean; manifestSha256?: string; noDecode?: boolean; keys?: string },
  io: CliIo,
): Promise<number> {
  const { ffprobe } = cliTools(io);
  const dir = resolve(io.cwd, packageDir);
  let last = 0;
  const result = await verifyPackage({
    packageDir: dir,
    ffprobePath: ffprobe,
    mode: 'check',
    ...(opts.manifestSha256 ? { expectedManifestSha256: opts.manifestSha256.toLowerCase() } : {}),
    ...(opts.noDecode ? { decode: false } : {}),
    ...(await keySources(io, opts.keys)),
    onProgress: (done, total) => {
      // A line at every 10 %: enough to see it move on a 10,000-chunk title without flooding logs.
      const step = Math.floor((done / Math.max(1, total)) * 10);
      if (step > last) {
        last = step;
        io.stderr(`verify · ${done} / ${total} segments checked`);
      }
    },
  });
  report(io, dir, result, opts.json);
  if (result.problems.length === 0) {
    const d = result.decrypted;
    io.stderr(
      `${dir}: verified — ${result.filesHashed} files match the manifest, ${result.segmentsChecked} segments decoded${d ? `; ${d.files} encrypted files decrypted to their recorded clear bytes with key IDs ${d.keyIds.join(', ')} from ${d.source}` : ''}`,
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
    .option(
      '--keys <cpix-file|dir>',
      "a DRM package's keys as a CPIX document (keys in clear), or a keys folder (AES-128 keys and this station's sealed local DRM keys; default: the one `transcode` writes to): every encrypted segment is decrypted and decoded",
    )
    .action(
      async (
        packageDir: string,
        opts: { json?: boolean; manifestSha256?: string; decode?: boolean; keys?: string },
      ) => {
        cli.exit(await verify(packageDir, { ...opts, noDecode: opts.decode === false }, cli.io));
      },
    );
}
