/**
 * Masters are what they say they are. ffprobe and ffmpeg choose a demuxer from a file's content,
 * not its name: a "master.mov" whose bytes are an HLS playlist naming file:///…/other-client.mp4
 * would probe as valid H.264 and be published under the supplier's title. Every ffprobe/ffmpeg that
 * reads a master therefore gets these input options: only the file protocol, and only the demuxers
 * of real master formats. Playlists, concat lists, image sequences and the like fail to open, and
 * the probe names them with their own code (see `demuxerRefused`).
 */

/** Demuxers of master formats (ffmpeg matches any comma-separated element of a demuxer's name). */
export const MASTER_DEMUXERS = [
  'mov',
  'mp4',
  'matroska',
  'webm',
  'mxf',
  'avi',
  'mpegts',
  'mpeg',
  'dv',
  'gxf',
  'asf',
  'yuv4mpegpipe',
  'wav',
  'w64',
  'aiff',
] as const;

export function masterInputOptions(): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', MASTER_DEMUXERS.join(',')];
}

/** How a master is named to ffmpeg: `file:` so a name is never read as an option or a protocol. */
export function masterInput(path: string): string {
  return `file:${path}`;
}

const KINDS: Record<string, string> = {
  hls: 'an HLS playlist',
  dash: 'a DASH manifest',
  concat: 'an ffmpeg concat list',
  ffmetadata: 'an ffmpeg metadata file',
  image2: 'an image sequence pattern',
  srt: 'a subtitle file',
  webvtt: 'a subtitle file',
  tty: 'a text file',
};

/**
 * The demuxer ffmpeg refused because it is not a master format ("[hls @ 0x…] Format not on
 * whitelist …"), with what it means in words; undefined when stderr says something else.
 */
export function demuxerRefused(stderr: string): { demuxer: string; kind: string } | undefined {
  const m =
    /\[([a-z0-9_,]+) @ [^\]]*\] Format not on whitelist/i.exec(stderr) ??
    /\[([a-z0-9_,]+)\] Format not on whitelist/i.exec(stderr);
  if (!m) return undefined;
  const demuxer = m[1]!;
  const kind = KINDS[demuxer.split(',')[0]!] ?? (/_pipe$/.test(demuxer) ? 'a single image' : `"${demuxer}" data`);
  return { demuxer, kind };
}
