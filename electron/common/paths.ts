/**
 * Paths the station accepts for masters and tools: absolute and local. Relative paths depend on
 * whoever's working folder; UNC paths (\\server\share, //server/share, \\?\…) make Windows open a
 * network connection — and offer the user's credentials — to a host named by the path, which a
 * dropped file list or a hand-written config should never be able to choose. Map a network share
 * to a drive letter or mount point instead.
 */

/** Why the path is refused, or undefined when it is an absolute local path. */
export function localPathProblem(p: string): string | undefined {
  if (p.includes('\0')) return 'it contains a NUL byte';
  if (/^(\\\\|\/\/)/.test(p))
    return `${p.slice(0, 40)} is a network (UNC) path: map the share to a drive letter or mount point`;
  if (!/^(\/|[A-Za-z]:[\\/])/.test(p)) return `${p.slice(0, 40)} is not an absolute path`;
  return undefined;
}
