/**
 * Signalling builders (drm/signalling.ts): the HLS key tags and DASH ContentProtection elements
 * carry the key ID, the scheme and each system's pssh so that a player (and a licence server) can
 * read them back; a provider's own signalling wins; FairPlay is refused with cenc.
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_IDS } from '../../electron/engine/drm/keys';
import { stationPssh } from '../../electron/engine/drm/pssh';
import {
  dashContentProtection,
  hlsMediaKeyTags,
  hlsSessionKeyTags,
  psshData,
  type TrackSignalling,
} from '../../electron/engine/drm/signalling';

const key = { kid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', key: Buffer.alloc(16, 7) };
const track = (scheme: 'cbcs' | 'cenc'): TrackSignalling => ({
  scheme,
  systems: scheme === 'cbcs' ? ['widevine', 'playready', 'fairplay'] : ['widevine', 'playready'],
  kid: key.kid,
  pssh: stationPssh(key, [key.kid], scheme, ['widevine', 'playready']),
});

describe('HLS key tags', () => {
  it('cbcs: SAMPLE-AES for Widevine (pssh box), PlayReady (PRO, UTF-16) and FairPlay (skd://)', () => {
    const tags = hlsMediaKeyTags(track('cbcs'));
    expect(tags).toHaveLength(3);
    expect(tags.every((t) => t.startsWith('#EXT-X-KEY:METHOD=SAMPLE-AES,'))).toBe(true);
    const wv = tags.find((t) => t.includes(`KEYFORMAT="urn:uuid:${SYSTEM_IDS.widevine}"`))!;
    const box = Buffer.from(/base64,([^"]+)"/.exec(wv)![1]!, 'base64');
    expect(box.subarray(4, 8).toString('latin1')).toBe('pssh');
    expect(psshData(box).includes(Buffer.from(key.kid.replace(/-/g, ''), 'hex'))).toBe(true);
    expect(wv).toContain('KEYID=0x0f1e2d3c4b5a69788796a5b4c3d2e1f0');
    const pr = tags.find((t) => t.includes('KEYFORMAT="com.microsoft.playready"'))!;
    const pro = Buffer.from(/base64,([^"]+)"/.exec(pr)![1]!, 'base64');
    expect(pro.subarray(10).toString('utf16le')).toContain('<WRMHEADER');
    expect(tags).toContain(
      `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://${key.kid}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`,
    );
    expect(hlsSessionKeyTags(track('cbcs')).every((t) => t.startsWith('#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,'))).toBe(
      true,
    );
  });

  it('cenc: SAMPLE-AES-CTR; FairPlay with cenc is refused with a sentence', () => {
    expect(hlsMediaKeyTags(track('cenc')).every((t) => t.startsWith('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,'))).toBe(true);
    expect(() => hlsMediaKeyTags({ ...track('cenc'), systems: ['fairplay'] })).toThrow(/FairPlay plays only cbcs/);
  });

  it("a provider's HLS signalling is used as given", () => {
    const given =
      '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://vendor/asset-42",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"';
    const t = { ...track('cbcs'), provided: [{ system: 'fairplay' as const, kid: key.kid, hlsMedia: given }] };
    expect(hlsMediaKeyTags(t)).toContain(given);
  });
});

describe('DASH ContentProtection', () => {
  it('mp4protection with default_KID, Widevine and PlayReady with cenc:pssh (and mspr:pro); no FairPlay', () => {
    const cp = dashContentProtection(track('cbcs'));
    expect(cp[0]).toBe(
      `<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs" cenc:default_KID="${key.kid}"/>`,
    );
    expect(cp).toHaveLength(3);
    expect(cp[1]).toMatch(
      new RegExp(`^<ContentProtection schemeIdUri="urn:uuid:${SYSTEM_IDS.widevine}" value="Widevine"><cenc:pssh>`),
    );
    expect(cp[2]).toMatch(/value="MSPR 2.0"><cenc:pssh>[^<]+<\/cenc:pssh><mspr:pro>[^<]+<\/mspr:pro>/);
    // The pssh in the MPD is the box the init segment carries.
    const pssh = Buffer.from(/<cenc:pssh>([^<]+)</.exec(cp[1]!)![1]!, 'base64');
    expect(pssh.equals(track('cbcs').pssh.widevine!)).toBe(true);
  });
});
