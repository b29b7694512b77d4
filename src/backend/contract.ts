// The one contract every crypto backend implements (native addon, WebCrypto). No I/O, no protocol parsing, no
// input validation (validate.ts runs first): checked bytes in, bytes out; errors come from the table in errors.ts.

export type BackendName = 'native' | 'webcrypto'

/** A backend's parsed private key (a native handle, or a WebCrypto CryptoKey). Opaque outside the backend. */
export interface BackendKey {
  readonly bits: number
}

/** `encryption_metadata` of a media item, base64-decoded. */
export interface MediaKeyBytes {
  encryptionKey: Uint8Array
  hmacKey: Uint8Array
  iv: Uint8Array
  plaintextHash: Uint8Array
  encryptedHash: Uint8Array
}

/**
 * Which checks a media stream runs: `full` (all four, plaintext out), `verify` (file hash and HMAC only, no
 * plaintext: authenticates a download before anything is decrypted) or `decrypt` (decryption, padding and plaintext
 * hash of a file a `verify` pass authenticated).
 */
export type MediaStreamMode = 'full' | 'verify' | 'decrypt'

/** Streaming media verifier/decryptor. Output of `update` is unverified until `final` resolves. */
export interface MediaStreamState {
  update(chunk: Uint8Array): Promise<Uint8Array>
  final(): Promise<Uint8Array>
}

export interface DecryptedBytes {
  aesKey: Uint8Array
  plaintext: Uint8Array
}

export interface CryptoBackend {
  readonly name: BackendName
  /**
   * Parses PEM text or DER bytes. Throws `FlowKeyError`; reason `unsupported-format` when this backend
   * cannot read the format (the caller may convert the key and retry).
   */
  importKey(data: Uint8Array, passphrase?: string): Promise<BackendKey>
  /** RSA-OAEP-SHA256 unwrap + AES-128-GCM (16-byte IV). Throws `FlowDecryptionError` for every crypto failure. */
  decryptRequest(key: BackendKey, encryptedAesKey: Uint8Array, iv: Uint8Array, encryptedFlowData: Uint8Array): Promise<DecryptedBytes>
  /** AES-128-GCM with the request IV inverted; returns ciphertext ‖ tag. `iv` is the REQUEST iv. */
  encryptResponse(aesKey: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>
  /** Same on the calling thread; absent where the backend has no synchronous crypto (WebCrypto). */
  decryptRequestSync?(key: BackendKey, encryptedAesKey: Uint8Array, iv: Uint8Array, encryptedFlowData: Uint8Array): DecryptedBytes
  encryptResponseSync?(aesKey: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Verified one-shot media decryption. Throws `MediaIntegrityError`. */
  decryptMedia(cdnFile: Uint8Array, keys: MediaKeyBytes): Promise<Uint8Array>
  /** Streaming form; absent where the backend cannot stream (WebCrypto works one-shot). */
  createMediaStream?(keys: MediaKeyBytes, mode?: MediaStreamMode): MediaStreamState
}
