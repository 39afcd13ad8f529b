/**
 * Where credentials are encrypted. The app passes Electron safeStorage (OS keychain / DPAPI /
 * libsecret) from main; the engine never imports electron, so it sees only this interface.
 */
export interface SecretBox {
  /** False when the platform offers no encryption: then credentials are refused, never stored in clear. */
  isAvailable(): boolean;
  /** Human name of the backend ("keychain", "gnome_libsecret", …). */
  backend(): string;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}
