/**
 * A SPEKE v2 key provider for the tests, on 127.0.0.1 over HTTPS with a self-signed certificate
 * made at start (openssl). It records every request (headers and the key IDs asked for), answers a
 * random key per key ID (kept, so the same ID gets the same key), and fills in per system what a real
 * provider does: pssh (its own, marked, so a test can tell it from the station's),
 * ContentProtectionData, HLSSignalingData for media and master playlists (FairPlay: an skd:// URI).
 * `misbehave` makes it answer 401 or 403, stall, leave a key out, send broken or oversized XML, or change
 * its keys between two requests.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCpix } from '../../electron/engine/drm/cpix';
import { SYSTEM_IDS } from '../../electron/engine/drm/keys';
import { psshBox } from '../../electron/engine/drm/pssh';

const run = promisify(execFile);

export type Misbehaviour =
  | 'none'
  | 'unauthorized'
  | 'forbidden'
  | 'slow'
  | 'missing-kid'
  | 'malformed'
  | 'oversized'
  | 'changed-keys'
  | 'server-error';

export interface SpekeRequestRecord {
  headers: Record<string, string | string[] | undefined>;
  kids: string[];
  body: string;
}

export interface SpekeServer {
  url: string;
  /** The self-signed certificate (PEM) to trust. */
  ca: string;
  /** The header value the server requires (x-api-key). */
  apiKey: string;
  requests: SpekeRequestRecord[];
  keys: Map<string, Buffer>;
  misbehave: Misbehaviour;
  close(): Promise<void>;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function drmSystems(body: string): Array<{ kid: string; systemId: string }> {
  return [...body.matchAll(/<cpix:DRMSystem kid="([^"]+)" systemId="([^"]+)"/g)].map((m) => ({
    kid: m[1]!,
    systemId: m[2]!,
  }));
}

function answer(server: SpekeServer, body: string, kids: string[]): string {
  const keyXml = kids
    .filter((k, i) => !(server.misbehave === 'missing-kid' && i === kids.length - 1))
    .map((kid) => {
      if (server.misbehave === 'changed-keys' || !server.keys.has(kid)) server.keys.set(kid, randomBytes(16));
      return `<cpix:ContentKey kid="${kid}" commonEncryptionScheme="${/commonEncryptionScheme="(\w+)"/.exec(body)?.[1] ?? 'cbcs'}"><cpix:Data><pskc:Secret><pskc:PlainValue>${server.keys.get(kid)!.toString('base64')}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`;
    });
  const systems = drmSystems(body).map(({ kid, systemId }) => {
    if (systemId === SYSTEM_IDS.fairplay) {
      const line = `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://provider/${kid}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`;
      return `<cpix:DRMSystem kid="${kid}" systemId="${systemId}"><cpix:HLSSignalingData playlist="media">${b64(line)}</cpix:HLSSignalingData><cpix:HLSSignalingData playlist="master">${b64(line.replace('EXT-X-KEY', 'EXT-X-SESSION-KEY'))}</cpix:HLSSignalingData></cpix:DRMSystem>`;
    }
    const pssh = psshBox(systemId, Buffer.from(`speke-test-provider ${kid}`)).toString('base64');
    const cpd = `<cenc:pssh xmlns:cenc="urn:mpeg:cenc:2013">${pssh}</cenc:pssh>`;
    const line = `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,${pssh}",KEYFORMAT="urn:uuid:${systemId}",KEYFORMATVERSIONS="1"`;
    return `<cpix:DRMSystem kid="${kid}" systemId="${systemId}"><cpix:PSSH>${pssh}</cpix:PSSH><cpix:ContentProtectionData>${b64(cpd)}</cpix:ContentProtectionData><cpix:HLSSignalingData playlist="media">${b64(line)}</cpix:HLSSignalingData><cpix:HLSSignalingData playlist="master">${b64(line.replace('EXT-X-KEY', 'EXT-X-SESSION-KEY'))}</cpix:HLSSignalingData></cpix:DRMSystem>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><cpix:CPIX xmlns:cpix="urn:dashif:org:cpix" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" contentId="${/contentId="([^"]*)"/.exec(body)?.[1] ?? ''}" version="2.3"><cpix:ContentKeyList>${keyXml.join('')}</cpix:ContentKeyList><cpix:DRMSystemList>${systems.join('')}</cpix:DRMSystemList></cpix:CPIX>`;
}

export async function startSpekeServer(): Promise<SpekeServer> {
  const dir = await mkdtemp(join(tmpdir(), 'speke-cert-'));
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ]); // prettier-ignore
  const [key, cert] = await Promise.all([
    readFile(join(dir, 'key.pem'), 'utf8'),
    readFile(join(dir, 'cert.pem'), 'utf8'),
  ]);
  await rm(dir, { recursive: true, force: true });
  const timers = new Set<NodeJS.Timeout>();
  const state: SpekeServer = {
    url: '',
    ca: cert,
    apiKey: randomBytes(12).toString('hex'),
    requests: [],
    keys: new Map(),
    misbehave: 'none',
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const kids = parseCpix(body).keys.map((k) => k.kid);
      state.requests.push({ headers: req.headers, kids, body });
      const send = (status: number, text: string): void => {
        res.writeHead(status, {
          'content-type': 'application/xml',
          'x-speke-version': '2.0',
          'x-speke-user-agent': 'test',
        });
        res.end(text);
      };
      if (state.misbehave === 'unauthorized' || req.headers['x-api-key'] !== state.apiKey)
        return send(401, 'unauthorized');
      if (state.misbehave === 'forbidden') return send(403, 'forbidden');
      if (state.misbehave === 'server-error') return send(500, 'boom');
      if (state.misbehave === 'slow') {
        const t = setTimeout(() => send(200, answer(state, body, kids)), 10_000);
        timers.add(t);
        return;
      }
      if (state.misbehave === 'malformed') return send(200, '<cpix:CPIX><cpix:ContentKeyList>');
      if (state.misbehave === 'oversized') return send(200, `<x>${'a'.repeat(5 * 1024 * 1024)}</x>`);
      send(200, answer(state, body, kids));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/speke/v2.0/copyProtection`;
  return state;
}
