/**
 * Where a title's archive copy lives, beside the rest of the key layout (common/title.ts: the claim
 * at `<titleId>/title.json`, each version under `<titleId>/<version>/`). The delivery writes these
 * keys; the audit, retention, repair and the CLI find the archive by them.
 */
import { basename } from 'node:path';
import { safeFileName, versionKey } from '../../common/title.js';

/**
 * Archive key layout: `<titleId>/<version>/source/<master file name>` (made safe as a key: a "\"
 * or a control character in a POSIX file name becomes "_") and `<titleId>/<version>/package.tar`.
 */
export function archiveKeys(titleId: string, version: string, sourcePath: string): { source: string; tar: string } {
  return {
    source: versionKey(titleId, version, `source/${safeFileName(basename(sourcePath))}`),
    tar: versionKey(titleId, version, 'package.tar'),
  };
}
