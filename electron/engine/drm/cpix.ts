/**
 * DASH-IF CPIX 2.3 documents — the one module that reads and writes XML (fast-xml-parser).
 *
 * - `cpixRequest`: what the station POSTs to a SPEKE v2 provider: one ContentKey per key ID (with
 *   its commonEncryptionScheme), one DRMSystem per key ID and system with empty PSSH,
 *   ContentProtectionData and HLSSignalingData (media, master) for the provider to fill (FairPlay:
 *   HLSSignalingData only), key periods when keys rotate, and a usage rule per key ID naming its
 *   track type with the filter that says so (AudioFilter; VideoFilter by pixels: SD ≤ 1024×576).
 * - `parseCpix`: an answer or a CPIX file, refused when it is not well-formed XML, carries a DTD
 *   (no entity expansion, no external references), is over the size cap, or is not CPIX — each with a
 *   sentence the provider layer puts its own name in front of. Content keys come in clear
 *   (pskc:PlainValue) or encrypted to the station's certificate (DeliveryData, CPIX §4.2.3).
 * - `cpixExport`: the local provider's export — key IDs, usage rules, periods and each system's
 *   pssh; the keys themselves only encrypted to a recipient certificate the operator names (never
 *   in clear in a file).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  DRM_SYSTEMS,
  SYSTEM_IDS,
  DrmError,
  kidString,
  type ContentKey,
  type DrmScheme,
  type DrmSystem,
  type KeyPlan,
  type SystemData,
  type TrackType,
} from './keys.js';

/** A CPIX document larger than this is refused (a key answer is a few KB; rotation for a feature, a few hundred). */
export const CPIX_MAX_BYTES = 4 * 1024 * 1024;

/** The most pixels of an SD picture (1024 × 576: PAL 16:9 at square pixels), as SPEKE's presets say. */
export const SD_MAX_PIXELS = 1024 * 576;

const LISTS = new Set([
  'ContentKey',
  'DRMSystem',
  'ContentKeyPeriod',
  'ContentKeyUsageRule',
  'HLSSignalingData',
  'KeyPeriodFilter',
  'VideoFilter',
  'AudioFilter',
  'DeliveryData',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => LISTS.has(name),
});

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true });

const NS = {
  '@_xmlns:cpix': 'urn:dashif:org:cpix',
  '@_xmlns:pskc': 'urn:ietf:params:xml:ns:keyprov:pskc',
  '@_xmlns:ds': 'http://www.w3.org/2000/09/xmldsig#',
  '@_xmlns:enc': 'http://www.w3.org/2001/04/xmlenc#',
};

const TRACK_TYPE_NAMES: Record<TrackType, string> = { audio: 'AUDIO', sd: 'SD', hd: 'HD' };

function usageRule(plan: KeyPlan, slot: KeyPlan['slots'][number], rotating: boolean): Record<string, unknown> {
  const single = plan.options.trackKeys === 'single';
  const filter = single
    ? {}
    : slot.trackType === 'audio'
      ? { 'cpix:AudioFilter': [{}] }
      : slot.trackType === 'sd'
        ? { 'cpix:VideoFilter': [{ '@_maxPixels': String(SD_MAX_PIXELS) }] }
        : { 'cpix:VideoFilter': [{ '@_minPixels': String(SD_MAX_PIXELS + 1) }] };
  return {
    '@_kid': slot.kid,
    '@_intendedTrackType': single ? 'ALL' : TRACK_TYPE_NAMES[slot.trackType],
    ...(rotating ? { 'cpix:KeyPeriodFilter': [{ '@_periodId': `period-${slot.period}` }] } : {}),
    ...filter,
  };
}

function periodList(plan: KeyPlan): Record<string, unknown> {
  const periods = [...new Set(plan.slots.map((s) => s.period))].sort((a, b) => a - b);
  return {
    'cpix:ContentKeyPeriodList': {
      'cpix:ContentKeyPeriod': periods.map((p) => ({ '@_id': `period-${p}`, '@_index': String(p) })),
    },
  };
}

/** The SPEKE v2 request: key IDs, the systems' data to fill in, periods, usage rules. */
export function cpixRequest(plan: KeyPlan): string {
  const rotating = (plan.options.rotateEvery ?? 0) > 0;
  const systems = DRM_SYSTEMS.filter((s) => plan.options.systems.includes(s));
  const hls = [{ '@_playlist': 'media' }, { '@_playlist': 'master' }];
  return xmlDocument({
    'cpix:CPIX': {
      ...NS,
      '@_contentId': plan.contentId,
      '@_version': '2.3',
      'cpix:ContentKeyList': {
        'cpix:ContentKey': plan.slots.map((s) => ({ '@_kid': s.kid, '@_commonEncryptionScheme': plan.options.scheme })),
      },
      'cpix:DRMSystemList': {
        'cpix:DRMSystem': plan.slots.flatMap((slot) =>
          systems.map((system) => ({
            '@_kid': slot.kid,
            '@_systemId': SYSTEM_IDS[system],
            ...(system === 'fairplay' ? {} : { 'cpix:PSSH': '', 'cpix:ContentProtectionData': '' }),
            'cpix:HLSSignalingData': hls,
          })),
        ),
      },
      ...(rotating ? periodList(plan) : {}),
      'cpix:ContentKeyUsageRuleList': {
        'cpix:ContentKeyUsageRule': plan.slots.map((s) => usageRule(plan, s, rotating)),
      },
    },
  });
}

const xmlDocument = (tree: Record<string, unknown>): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(tree) as string}`;

/** A ContentKey as a CPIX document carries it. */
export interface CpixKey {
  kid: string;
  scheme?: string;
  /** The key in clear, when the document had it (PlainValue, or EncryptedValue opened with the station's key). */
  key?: Buffer;
  explicitIv?: Buffer;
  /** The document encrypted this key to a certificate and the station was given no private key. */
  encrypted?: boolean;
}

export interface CpixUsageRule {
  kid: string;
  intendedTrackType?: string;
  periodIds: string[];
  video?: { minPixels?: number; maxPixels?: number };
  audio?: boolean;
}

export interface ParsedCpix {
  contentId?: string;
  version?: string;
  keys: CpixKey[];
  systems: SystemData[];
  periods: Array<{ id: string; index: number }>;
  rules: CpixUsageRule[];
}

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v ? [v as Node] : []);
const text = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Node)['#text'] === 'string') return (v as Node)['#text'] as string;
  return undefined;
};
const b64 = (s: string | undefined): Buffer | undefined =>
  s ? Buffer.from(s.replace(/\s+/g, ''), 'base64') : undefined;
const SYSTEM_BY_ID = new Map(Object.entries(SYSTEM_IDS).map(([k, v]) => [v, k as DrmSystem]));

/**
 * Read a CPIX document. `openKey` opens keys encrypted to the station (see openDeliveryKeys); a
 * problem is thrown as a DrmError whose message reads after "the document …".
 */
export function parseCpix(xml: string, opts: { maxBytes?: number; privateKeyPem?: string } = {}): ParsedCpix {
  const max = opts.maxBytes ?? CPIX_MAX_BYTES;
  if (Buffer.byteLength(xml) > max) throw new DrmError(`is larger than ${max} bytes`, 'drm-cpix');
  // No DTD at all: entity tricks (billion laughs, external entities) have no place in a key answer.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new DrmError('carries a DTD, which a CPIX document must not', 'drm-cpix');
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new DrmError(`is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`, 'drm-cpix');
  const root = (parser.parse(xml) as Node).CPIX as Node | undefined;
  if (!root || typeof root !== 'object') throw new DrmError('is not a CPIX document (no CPIX element)', 'drm-cpix');
  const delivery = opts.privateKeyPem ? openDelivery(root, opts.privateKeyPem) : undefined;
  const keys = list((root.ContentKeyList as Node | undefined)?.ContentKey).map((k) => readKey(k, delivery));
  const systems: SystemData[] = [];
  for (const d of list((root.DRMSystemList as Node | undefined)?.DRMSystem)) {
    const system = SYSTEM_BY_ID.get(String(d['@_systemId'] ?? '').toLowerCase());
    if (!system || !d['@_kid']) continue;
    const hls = list(d.HLSSignalingData);
    const decoded = (v: unknown): string | undefined => b64(text(v))?.toString('utf8') || undefined;
    const pssh = b64(text(d.PSSH));
    systems.push({
      system,
      kid: kidString(String(d['@_kid'])),
      ...(pssh?.length ? { pssh } : {}),
      ...(decoded(d.ContentProtectionData) ? { contentProtectionData: decoded(d.ContentProtectionData)! } : {}),
      ...(decoded(hls.find((h) => h['@_playlist'] === 'media'))
        ? { hlsMedia: decoded(hls.find((h) => h['@_playlist'] === 'media'))! }
        : {}),
      ...(decoded(hls.find((h) => h['@_playlist'] === 'master'))
        ? { hlsMaster: decoded(hls.find((h) => h['@_playlist'] === 'master'))! }
        : {}),
    });
  }
  return {
    ...(root['@_contentId'] ? { contentId: String(root['@_contentId']) } : {}),
    ...(root['@_version'] ? { version: String(root['@_version']) } : {}),
    keys,
    systems,
    periods: list((root.ContentKeyPeriodList as Node | undefined)?.ContentKeyPeriod).map((p) => ({
      id: String(p['@_id'] ?? ''),
      index: Number(p['@_index'] ?? 0),
    })),
    rules: list((root.ContentKeyUsageRuleList as Node | undefined)?.ContentKeyUsageRule).map(readRule),
  };
}

function readKey(k: Node, delivery: Delivery | undefined): CpixKey {
  if (!k['@_kid']) throw new DrmError('has a ContentKey without a kid', 'drm-cpix');
  const kid = kidString(String(k['@_kid']));
  const secret = ((k.Data as Node | undefined)?.Secret ?? undefined) as Node | undefined;
  const plain = b64(text(secret?.PlainValue));
  const enc = secret?.EncryptedValue as Node | undefined;
  let key = plain;
  if (!key && enc && delivery) key = delivery.open(enc, secret!.ValueMAC, kid);
  return {
    kid,
    ...(k['@_commonEncryptionScheme'] ? { scheme: String(k['@_commonEncryptionScheme']) } : {}),
    ...(key ? { key } : {}),
    ...(k['@_explicitIV'] ? { explicitIv: b64(String(k['@_explicitIV'])) } : {}),
    ...(!key && enc ? { encrypted: true } : {}),
  };
}

function readRule(r: Node): CpixUsageRule {
  const video = list(r.VideoFilter)[0];
  return {
    kid: kidString(String(r['@_kid'] ?? '00000000000000000000000000000000')),
    ...(r['@_intendedTrackType'] ? { intendedTrackType: String(r['@_intendedTrackType']) } : {}),
    periodIds: list(r.KeyPeriodFilter).map((f) => String(f['@_periodId'] ?? '')),
    ...(video
      ? {
          video: {
            ...(video['@_minPixels'] ? { minPixels: Number(video['@_minPixels']) } : {}),
            ...(video['@_maxPixels'] ? { maxPixels: Number(video['@_maxPixels']) } : {}),
          },
        }
      : {}),
    ...(list(r.AudioFilter).length ? { audio: true } : {}),
  };
}

// ---------------------------------------------------------------- encrypted keys (CPIX §4.2.3)

const ALG = {
  aes256cbc: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  rsaOaep: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  hmacSha512: 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha512',
};

interface Delivery {
  open(enc: Node, mac: unknown, kid: string): Buffer;
}

const cipherValue = (enc: Node | undefined): Buffer | undefined =>
  b64(text(((enc?.CipherData as Node | undefined) ?? {}).CipherValue));

/** The document key and MAC key encrypted to the station's certificate, opened with its private key. */
function openDelivery(root: Node, privateKeyPem: string): Delivery | undefined {
  const dd = list((root.DeliveryDataList as Node | undefined)?.DeliveryData)[0];
  if (!dd) return undefined;
  const rsa = (c: Buffer | undefined): Buffer => {
    if (!c) throw new DrmError('has a DeliveryData without its encrypted keys', 'drm-cpix');
    try {
      return privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, c);
    } catch {
      throw new DrmError("encrypts its keys to a certificate the station's private key does not open", 'drm-cpix');
    }
  };
  const docSecret = ((dd.DocumentKey as Node | undefined)?.Data as Node | undefined)?.Secret as Node | undefined;
  const documentKey = rsa(cipherValue(docSecret?.EncryptedValue as Node | undefined));
  const macKey = rsa(cipherValue(((dd.MACMethod as Node | undefined)?.Key as Node | undefined) ?? undefined));
  return {
    open(enc, mac, kid) {
      const data = cipherValue(enc);
      if (!data || data.length < 32) throw new DrmError(`has an unreadable encrypted key for ${kid}`, 'drm-cpix');
      const expected = createHmac('sha512', macKey).update(data).digest();
      if (!b64(text(mac))?.equals(expected))
        throw new DrmError(`has an encrypted key for ${kid} whose MAC does not match`, 'drm-cpix');
      const d = createDecipheriv('aes-256-cbc', documentKey, data.subarray(0, 16));
      return Buffer.concat([d.update(data.subarray(16)), d.final()]);
    },
  };
}

const encryptedValue = (algorithm: string, cipher: Buffer): Node => ({
  'enc:EncryptionMethod': { '@_Algorithm': algorithm },
  'enc:CipherData': { 'enc:CipherValue': cipher.toString('base64') },
});

/**
 * The local provider's CPIX export. With a recipient certificate (PEM) the content keys are in it,
 * encrypted to that certificate (RSA-OAEP document and MAC keys, AES-256-CBC keys, HMAC-SHA-512);
 * without one it lists key IDs, usage rules and system data only.
 */
export function cpixExport(
  plan: KeyPlan,
  keys: Map<string, ContentKey>,
  systems: SystemData[],
  recipientCertPem?: string,
): string {
  const rotating = (plan.options.rotateEvery ?? 0) > 0;
  let delivery: Node | undefined;
  let sealKey: ((key: Buffer) => Node) | undefined;
  if (recipientCertPem) {
    const cert = new X509Certificate(recipientCertPem);
    const documentKey = randomBytes(32);
    const macKey = randomBytes(64);
    const rsa = (b: Buffer): Buffer =>
      publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, b);
    delivery = {
      'cpix:DeliveryData': [
        {
          'cpix:DeliveryKey': { 'ds:X509Data': { 'ds:X509Certificate': cert.raw.toString('base64') } },
          'cpix:DocumentKey': {
            '@_Algorithm': ALG.aes256cbc,
            'cpix:Data': { 'pskc:Secret': { 'pskc:EncryptedValue': encryptedValue(ALG.rsaOaep, rsa(documentKey)) } },
          },
          'cpix:MACMethod': {
            '@_Algorithm': ALG.hmacSha512,
            'cpix:Key': encryptedValue(ALG.rsaOaep, rsa(macKey)),
          },
        },
      ],
    };
    sealKey = (key) => {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-cbc', documentKey, iv);
      const data = Buffer.concat([iv, c.update(key), c.final()]);
      return {
        'pskc:Secret': {
          'pskc:EncryptedValue': encryptedValue(ALG.aes256cbc, data),
          'pskc:ValueMAC': createHmac('sha512', macKey).update(data).digest('base64'),
        },
      };
    };
  }
  return xmlDocument({
    'cpix:CPIX': {
      ...NS,
      '@_contentId': plan.contentId,
      '@_version': '2.3',
      ...(delivery ? { 'cpix:DeliveryDataList': delivery } : {}),
      'cpix:ContentKeyList': {
        'cpix:ContentKey': plan.slots.map((s) => {
          const key = keys.get(s.kid);
          return {
            '@_kid': s.kid,
            '@_commonEncryptionScheme': plan.options.scheme,
            ...(sealKey && key ? { 'cpix:Data': sealKey(key.key) } : {}),
          };
        }),
      },
      'cpix:DRMSystemList': {
        'cpix:DRMSystem': systems
          .filter((d) => d.pssh)
          .map((d) => ({
            '@_kid': d.kid,
            '@_systemId': SYSTEM_IDS[d.system],
            'cpix:PSSH': d.pssh!.toString('base64'),
          })),
      },
      ...(rotating ? periodList(plan) : {}),
      'cpix:ContentKeyUsageRuleList': {
        'cpix:ContentKeyUsageRule': plan.slots.map((s) => usageRule(plan, s, rotating)),
      },
    },
  });
}

/** The scheme names a CPIX document may give that the station can encrypt with. */
export const isScheme = (s: string | undefined): s is DrmScheme => s === 'cbcs' || s === 'cenc';
