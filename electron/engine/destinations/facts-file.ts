/**
 * What each store proved (common/store-facts.ts), remembered in the work folder's `stores.json`
 * keyed by the store's identity (endpoint and bucket — `credentialBinding`): probed once, not on every start. "Test
 * connection" probes again and replaces the entry; so does a claim whose compare-and-swap keeps
 * failing (the bucket may have been made versioned since).
 */
import { readFile } from 'node:fs/promises';
import type { StoreFacts } from '../../common/store-facts.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { KeyedMutex } from '../util/keyed-mutex.js';

const lock = new KeyedMutex();

export class FactsFile {
  constructor(readonly path: string) {}

  async get(store: string): Promise<StoreFacts | undefined> {
    return (await this.read())[store];
  }

  async all(): Promise<Record<string, StoreFacts>> {
    return this.read();
  }

  async set(store: string, facts: StoreFacts): Promise<void> {
    await lock.run(this.path, async () => {
      const all = await this.read();
      all[store] = facts;
      await writeFileAtomic(this.path, JSON.stringify(all, null, 2) + '\n');
    });
  }

  private async read(): Promise<Record<string, StoreFacts>> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, StoreFacts>) : {};
    } catch {
      return {}; // none yet, or unreadable: probed again (nothing is lost but five requests)
    }
  }
}
