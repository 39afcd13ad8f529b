/**
 * The station's identity in its claims: a random ID kept in its work folder (`station.json`), the
 * same for every process and farm worker that shares the folder. It says "this delivery is mine"
 * without saying anything about the machine (the origin's claims are public behind the CDN: no host
 * name, user name or path there), so a title whose job record was lost (a failed job run again, a
 * lost jobs.jsonl) is recognised by its own station and resumed under the same title ID.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { StationError } from './errors.js';

const FILE = 'station.json';

export async function stationId(workDir: string): Promise<string> {
  const path = join(workDir, FILE);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) {
    let id: unknown;
    try {
      id = (JSON.parse(text) as { id?: unknown }).id;
    } catch {
      /* reported below */
    }
    if (typeof id === 'string' && /^s[0-9a-f]{16}$/.test(id)) return id;
    // Never replaced silently: the station's pending claims carry this identity.
    throw new StationError(
      `${path} cannot be read as the station's identity: restore it from a backup, or remove it to start a new identity (this station's unfinished deliveries are then no longer recognised as its own)`,
      'station-id-unreadable',
    );
  }
  const id = `s${randomBytes(8).toString('hex')}`;
  await writeFileAtomic(join(workDir, FILE), JSON.stringify({ id }) + '\n');
  return id;
}
