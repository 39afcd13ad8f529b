/**
 * The renderer's Content Security Policy: only the app's own scripts and styles; the QC player
 * (hls.js) fetches playlists and segments from the media protocol and plays them through
 * MediaSource (blob:). Nothing else is reachable. Sent as a header and kept in renderer/index.html.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' station-media:",
  "media-src 'self' blob: station-media:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
