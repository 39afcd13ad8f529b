/**
 * What the DRM tests through the built CLI share (issue #25): the config's `drm` section pointing
 * at the SPEKE v2 stand-in (its token read from the environment, as an operator's config does), an
 * ingest run killed -9 once verify has encrypted its first chunk, a bucket brought down to disk, and
 * the search of every output for a key or the provider's token.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Manifest } from '../../electron/common/manifest';
import { BIN, CLI_ENV, type CliRun } from './cli';
import { keyBytesIn } from './drm-package';
import { freshBucket, listKeys } from './s3';
import type { SpekeServer } from './speke-server';

/** The environment variable the tests' configs name for the provider's token ("env:SPEKE_TEST_KEY"). */
export const SPEKE_TOKEN_ENV = 'SPEKE_TEST_KEY';

/** The CLI's environment with the provider's token in it. */
export const spekeEnv = (speke: SpekeServer): NodeJS.ProcessEnv => ({ ...CLI_ENV, [SPEKE_TOKEN_ENV]: speke.apiKey });

/** A `drm.keyProvider` for the stand-in; `caFile` holds its certificate. */
export function spekeProvider(speke: SpekeServer, caFile: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'speke',
    url: speke.url,
    headers: { 'x-api-key': `env:${SPEKE_TOKEN_ENV}` },
    caFile,
    ...extra,
  };
}

/** The built CLI with the provider's token in its environment; resolves with code and output. */
export function cliWithSpeke(speke: SpekeServer, args: string[], timeout = 300_000): Promise<CliRun> {
  return new Promise((done) =>
    execFile(process.execPath, [BIN, ...args], { env: spekeEnv(speke), timeout }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** The chunk journals of every job under a work folder, concatenated. */
export async function journals(workDir: string): Promise<string> {
  const jobs = await readdir(join(workDir, 'jobs')).catch(() => [] as string[]);
  let text = '';
  for (const j of jobs) text += await readFile(join(workDir, 'jobs', j, 'chunks.jsonl'), 'utf8').catch(() => '');
  return text;
}

const ENCRYPTED_CHUNK = /"t":"verified"[^\n]*"keyId"/;

/**
 * Start a CLI run and SIGKILL it as soon as verify has recorded an encrypted chunk; true when the kill
 * landed mid-title (a chunk encrypted, the package not yet finished).
 */
export async function killAfterFirstEncryptedChunk(
  speke: SpekeServer,
  args: string[],
  workDir: string,
): Promise<boolean> {
  const child = spawn(process.execPath, [BIN, ...args], { env: spekeEnv(speke), stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 120_000;
  let journal = '';
  while (Date.now() < deadline && child.exitCode === null) {
    journal = await journals(workDir);
    if (ENCRYPTED_CHUNK.test(journal)) break;
    await sleep(10);
  }
  child.kill('SIGKILL');
  await exited;
  return ENCRYPTED_CHUNK.test(journal) && !journal.includes('"t":"packaged"');
}

/** Every object of a bucket written under `to` (by key). */
export async function download(client: S3Client, bucket: string, to: string): Promise<void> {
  for (const key of await listKeys(client, bucket)) {
    const body = await (
      await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body!.transformToByteArray();
    await mkdir(dirname(join(to, key)), { recursive: true });
    await writeFile(join(to, key), body);
  }
}

/** Where a key or the provider's token shows: in the given texts (by name) or in files under `dirs`. */
export async function secretsIn(
  speke: SpekeServer,
  texts: Record<string, string>,
  dirs: string[],
  keys: Buffer[] = [...speke.keys.values()],
): Promise<string[]> {
  const secrets = [...keys, Buffer.from(speke.apiKey, 'utf8')];
  const hits: string[] = [];
  for (const [name, text] of Object.entries(texts))
    for (const s of secrets)
      for (const enc of [s.toString('hex'), s.toString('base64'), s.toString('utf8')])
        if (enc.length >= 16 && text.includes(enc)) hits.push(name);
  for (const d of dirs) hits.push(...(await keyBytesIn(d, secrets)));
  return hits;
}

/** The manifest of a title as downloaded under `root` (<titleId>/<version>/manifest.json) and its version folder. */
export async function publishedManifest(root: string, titleId: string): Promise<{ manifest: Manifest; base: string }> {
  for (const n of await readdir(join(root, titleId))) {
    const text = await readFile(join(root, titleId, n, 'manifest.json'), 'utf8').catch(() => undefined);
    if (text) return { manifest: JSON.parse(text) as Manifest, base: join(root, titleId, n) };
  }
  throw new Error(`no manifest under ${join(root, titleId)}`);
}

/**
 * A DRM station on fresh radosgw buckets (origin and archive): its config written to `file` — the
 * preview ladder in 2 s segments, the given `drm` section and any `extra` settings.
 */
export async function drmStation(
  endpoint: string,
  file: string,
  workDir: string,
  drm: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  const origin = await freshBucket(endpoint);
  const archive = await freshBucket(endpoint);
  await writeFile(
    file,
    JSON.stringify({
      destinations: { origin: origin.cfg, archive: archive.cfg },
      origin: 'origin',
      archive: 'archive',
      workDir,
      profile: 'preview',
      segmentSeconds: 2,
      ...extra,
      drm,
    }),
  );
  return { origin, archive, config: file, workDir };
}
