/**
 * Masters live on shared storage that each machine mounts somewhere else (`/Volumes/Masters` on
 * a Mac, `/mnt/masters` on a Linux worker). The farm names a master by the submitting machine's
 * path; each worker's path map turns it into its own. The first rule whose `from` is a whole-folder
 * prefix of the path wins; a path no rule covers is used as it is.
 */
import { posix, win32 } from 'node:path';

export interface PathRule {
  /** The prefix as the farm names it (the submitting machine's mount). */
  from: string;
  /** The same folder on this machine. */
  to: string;
}

const trimmed = (p: string): string => (p.length > 1 ? p.replace(/[\\/]+$/, '') : p);

/** Parse `--path-map /Volumes/Masters=/mnt/masters` (repeatable). */
export function parsePathRule(text: string): PathRule {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1)
    throw new Error(`a path map is FROM=TO (e.g. /Volumes/Masters=/mnt/masters), not "${text}"`);
  return { from: trimmed(text.slice(0, at)), to: trimmed(text.slice(at + 1)) };
}

export function mapPath(path: string, rules: PathRule[]): string {
  for (const r of rules) {
    const sep = r.from.includes('\\') ? '\\' : '/';
    if (path === r.from || path.startsWith(r.from + sep)) {
      const rest = path.slice(r.from.length).split(/[\\/]/).filter(Boolean);
      const join = r.to.includes('\\') || /^[A-Za-z]:/.test(r.to) ? win32.join : posix.join;
      return join(r.to, ...rest);
    }
  }
  return path;
}
