/**
 * Stand-in for Electron safeStorage (its binary cannot run here): AES-256-GCM under a key the test
 * holds. Real encryption, so a test can prove no secret reaches a file in clear.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretBox } from '../../electron/engine/settings/secret-box';

export function testSecretBox(keyHex: string, available = true): SecretBox {
  const key = Buffer.from(keyHex, 'hex');
  return {
    isAvailable: () => available,
    backend: () => (available ? 'test AES-256-GCM' : 'basic_text'),
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(cipher) {
      const d = createDecipheriv('aes-256-gcm', key, cipher.subarray(0, 12));
      d.setAuthTag(cipher.subarray(12, 28));
      return Buffer.concat([d.update(cipher.subarray(28)), d.final()]).toString('utf8');
    },
  };
}
