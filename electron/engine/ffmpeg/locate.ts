/**
 * Where the ffmpeg and ffprobe binaries come from, in order:
 *   ffmpeg:  explicit setting → bundled in resources/bin/<platform>-<arch>/ → PATH
 *   ffprobe: explicit setting → beside the ffmpeg in use → PATH → ffprobe-static (the bundled
 *            default, but it is ffprobe 4.0.2 from 2018, so any newer one found first wins)
 * A missing binary is a clear StationError naming what was tried and how to install ffmpeg.
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { StationError } from '../util/errors.js';

export interface ToolPaths {
  ffmpeg: string;
  ffprobe: string;
  /** Set when ffprobe is the bundled ffprobe-static fallback: what to tell the operator about it. */
  ffprobeWarning?: string;
}

/**
 * ffprobe-static ships ffprobe 4.0.2 (2018): it parses untrusted masters with years of parser fixes
 * missing. It is a last resort, and the operator is told so wherever it is in use.
 */
export const BUNDLED_FFPROBE_WARNING =
  'ffprobe in use is the bundled ffprobe-static 4.0.2 from 2018: it parses untrusted masters without years of security and parser fixes. ' +
  'Install a current ffmpeg so its ffprobe is found first (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install Gyan.FFmpeg), or set ffprobePath.';

export interface LocateOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Folder that may hold bin/<platform>-<arch>/ffmpeg (the app's resources folder). */
  resourcesDir?: string;
  env?: NodeJS.ProcessEnv;
}

const EXE = process.platform === 'win32' ? '.exe' : '';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name + EXE);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * ffprobe-static's binary: in a packaged app electron-builder copies the target's one to
 * <resources>/ffprobe-static/<platform>-<arch>/ (an executable cannot run from inside app.asar);
 * from a checkout it is the module's own.
 */
function ffprobeStatic(resourcesDir: string | undefined): string | undefined {
  const packaged =
    resourcesDir && join(resourcesDir, 'ffprobe-static', `${process.platform}-${process.arch}`, 'ffprobe' + EXE);
  if (packaged && isExecutable(packaged)) return packaged;
  try {
    const require = createRequire(import.meta.url);
    const p = (require('ffprobe-static') as { path?: string }).path;
    return p && isExecutable(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

const INSTALL_HINT =
  'Install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg; ' +
  'Windows: winget install Gyan.FFmpeg) or set its path in Settings / the config file (ffmpegPath).';

export function locateTools(opts: LocateOptions = {}): ToolPaths {
  const env = opts.env ?? process.env;
  const tried: string[] = [];

  const check = (label: string, p: string | undefined): string | undefined => {
    if (!p) return undefined;
    tried.push(`${label} ${p}`);
    return isExecutable(p) ? p : undefined;
  };

  if (opts.ffmpegPath && !isExecutable(opts.ffmpegPath)) {
    throw new StationError(
      `The configured ffmpeg (${opts.ffmpegPath}) does not exist or is not executable.`,
      'ffmpeg-missing',
    );
  }
  const bundledDir = opts.resourcesDir
    ? join(opts.resourcesDir, 'bin', `${process.platform}-${process.arch}`)
    : undefined;
  const ffmpeg =
    check('setting', opts.ffmpegPath) ??
    check('bundled', bundledDir && join(bundledDir, 'ffmpeg' + EXE)) ??
    onPath('ffmpeg', env);
  if (!ffmpeg) {
    throw new StationError(
      `ffmpeg was not found (looked at: ${[...tried, 'PATH'].join(', ')}). ${INSTALL_HINT}`,
      'ffmpeg-missing',
    );
  }

  if (opts.ffprobePath && !isExecutable(opts.ffprobePath)) {
    throw new StationError(
      `The configured ffprobe (${opts.ffprobePath}) does not exist or is not executable.`,
      'ffprobe-missing',
    );
  }
  const found =
    check('setting', opts.ffprobePath) ??
    check('beside ffmpeg', join(dirname(ffmpeg), 'ffprobe' + EXE)) ??
    onPath('ffprobe', env);
  const bundled = found ? undefined : ffprobeStatic(opts.resourcesDir);
  const ffprobe = found ?? bundled;
  if (!ffprobe) {
    throw new StationError(
      `ffprobe was not found next to ${ffmpeg}, on PATH, or in ffprobe-static. ${INSTALL_HINT}`,
      'ffprobe-missing',
    );
  }
  return { ffmpeg, ffprobe, ...(bundled ? { ffprobeWarning: BUNDLED_FFPROBE_WARNING } : {}) };
}
