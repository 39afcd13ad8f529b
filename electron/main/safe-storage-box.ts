/**
 * The engine's SecretBox backed by Electron safeStorage: macOS Keychain, Windows DPAPI, Linux
 * kwallet/libsecret. On Linux without a keyring, safeStorage falls back to a hard-coded key
 * ("basic_text"): that is obfuscation, not encryption, so the box reports itself unavailable and
 * credentials are refused rather than stored weakly.
 */
import type { SafeStorage } from 'electron';
import type { SecretBox } from '../engine/settings/secret-box.js';

type Storage = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & {
  getSelectedStorageBackend?: SafeStorage['getSelectedStorageBackend'];
};

export function safeStorageBox(safeStorage: Storage, platform: NodeJS.Platform = process.platform): SecretBox {
  const backend = (): string => {
    if (platform === 'darwin') return 'macOS Keychain';
    if (platform === 'win32') return 'Windows DPAPI';
    return safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  };
  return {
    isAvailable: () => safeStorage.isEncryptionAvailable() && backend() !== 'basic_text' && backend() !== 'unknown',
    backend,
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (cipher) => safeStorage.decryptString(cipher),
  };
}
