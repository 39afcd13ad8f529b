/**
 * SPEKE v2 key provider: the CPIX 2.3 request (drm/cpix.ts) POSTed over HTTPS with
 * `X-Speke-Version: 2.0` and the operator's headers (an API key, a bearer token — sealed with the
 * station's credentials, handed in here by the caller), the answer read back as CPIX: a key per
 * requested ID, and per system the pssh, DASH ContentProtectionData and HLS signalling the provider
 * filled in. Plain http only to this machine (the station's one URL rule, common/config.ts).
 *
 * Every way the provider can fail names the provider (scheme, host and path — never a header) and
 * what went wrong: unreachable, no answer within the timeout, 401/403, another status, an answer
 * over the size cap, not CPIX, a key missing, a key ID or scheme it changed.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { keyProviderUrlProblem } from '../../common/config.js';
import { CPIX_MAX_BYTES, cpixRequest, isScheme, parseCpix } from './cpix.js';
import { DrmError, planKeys, periodsFor, type DrmOptions, type KeyPlan, type KeySet } from './keys.js';
import type { KeyProvider } from './key-provider.js';

export interface SpekeOptions {
  url: string;
  /** Sent with every request (credentials): never logged, never in a message. */
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxBytes?: number;
  /** PEM of a CA to trust besides the system's (a provider with a private CA; the tests' own). */
  ca?: string;
  /** The station's private key (PEM), for providers that encrypt keys to its certificate. */
  privateKeyPem?: string;
}

export const SPEKE_VERSION = '2.0';
/** What an answer that is not a key answer usually means: the URL names something else. */
const CHECK_URL = "check that the provider's URL in the DRM settings is its SPEKE v2 endpoint";
const DEFAULT_TIMEOUT_MS = 30_000;

export class SpekeProvider implements KeyProvider {
  readonly label: string;
  private readonly url: URL;

  constructor(private readonly o: SpekeOptions) {
    const problem = keyProviderUrlProblem(o.url);
    if (problem) throw new DrmError(`The SPEKE key provider URL is refused: ${problem}`, 'drm-config');
    this.url = new URL(o.url);
    this.label = `SPEKE key provider ${this.url.origin}${this.url.pathname}`;
  }

  plan(options: DrmOptions, contentId: string, segments: number): Promise<KeyPlan> {
    return Promise.resolve(planKeys(options, contentId, periodsFor(options, segments)));
  }

  async fetch(plan: KeyPlan, signal?: AbortSignal): Promise<KeySet> {
    const { status, headers, body } = await this.post(cpixRequest(plan), signal);
    if (status === 401 || status === 403)
      throw new DrmError(
        `${this.label} refused the station's credentials (HTTP ${status}): check the provider's headers in the DRM settings`,
        'drm-auth',
      );
    if (status !== 200)
      throw new DrmError(
        `${this.label} answered HTTP ${status} instead of a CPIX document: retry the title later, or ask the provider what failed`,
        'drm-http',
      );
    const version = headers['x-speke-version'];
    if (typeof version === 'string' && !version.startsWith('2.'))
      throw new DrmError(`${this.label} speaks SPEKE ${version}; the station speaks ${SPEKE_VERSION}`, 'drm-version');
    let doc;
    try {
      doc = parseCpix(body, {
        maxBytes: this.max(),
        ...(this.o.privateKeyPem ? { privateKeyPem: this.o.privateKeyPem } : {}),
      });
    } catch (err) {
      if (err instanceof DrmError)
        throw new DrmError(`${this.label} sent a document that ${err.message}: ${CHECK_URL}`, err.code);
      throw err;
    }
    if (doc.version && doc.version !== '2.3')
      throw new DrmError(`${this.label} answered CPIX ${doc.version}; SPEKE v2 uses CPIX 2.3`, 'drm-version');
    const keys = new Map<string, { kid: string; key: Buffer; iv?: Buffer }>();
    for (const k of doc.keys) {
      if (k.scheme && isScheme(k.scheme) && k.scheme !== plan.options.scheme)
        throw new DrmError(`${this.label} changed the scheme of key ${k.kid} to ${k.scheme}`, 'drm-scheme');
      if (k.encrypted)
        throw new DrmError(
          `${this.label} encrypted key ${k.kid} to a certificate, and the station has no private key for it`,
          'drm-encrypted',
        );
      if (k.key) keys.set(k.kid, { kid: k.kid, key: k.key, ...(k.explicitIv ? { iv: k.explicitIv } : {}) });
    }
    const wanted = new Set(plan.slots.map((s) => s.kid));
    return { keys, systems: doc.systems.filter((s) => wanted.has(s.kid)) };
  }

  private max(): number {
    return this.o.maxBytes ?? CPIX_MAX_BYTES;
  }

  private post(
    body: string,
    signal?: AbortSignal,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
    const timeout = this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const fail = (message: string, code: string): void => {
        req.destroy();
        reject(new DrmError(`${this.label} ${message}`, code));
      };
      const req = send(
        this.url,
        {
          method: 'POST',
          headers: {
            ...this.o.headers,
            'content-type': 'application/xml',
            'x-speke-version': SPEKE_VERSION,
            'content-length': Buffer.byteLength(body),
          },
          ...(this.o.ca ? { ca: this.o.ca } : {}),
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.max())
              return fail(`sent more than ${this.max()} bytes; a key answer is far smaller: ${CHECK_URL}`, 'drm-size');
            chunks.push(c);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (e) =>
            fail(`broke off its answer (${(e as NodeJS.ErrnoException).code ?? e.message})`, 'drm-unreachable'),
          );
        },
      );
      req.setTimeout(timeout, () =>
        fail(
          `did not answer within ${Math.round(timeout / 1000)} s: retry the title, or give the provider longer (drm.keyProvider.timeoutSeconds)`,
          'drm-timeout',
        ),
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(signal.reason);
        const tls = /CERT|SSL|TLS|SELF_SIGNED/i.test(e.code ?? '');
        fail(
          tls
            ? `presented a TLS certificate the station does not trust (${e.code})`
            : `could not be reached (${e.code ?? e.message}): check the provider's URL in the DRM settings and that the provider is up, then retry the title`,
          tls ? 'drm-tls' : 'drm-unreachable',
        );
      });
      req.end(body);
    });
  }
}
