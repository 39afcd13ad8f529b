import { locateTools, type ToolPaths } from '../engine/ffmpeg/locate.js';
import type { CliIo } from './io.js';

/** The ffmpeg/ffprobe a command uses; the operator is warned when it is the bundled 2018 ffprobe. */
export function cliTools(io: CliIo): ToolPaths {
  const tools = locateTools();
  if (tools.ffprobeWarning) io.stderr(`warning: ${tools.ffprobeWarning}`);
  return tools;
}
