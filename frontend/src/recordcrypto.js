/**
 * The shared record's construction in the browser: the twin of client/vigil_client/recordcrypto.py
 * (which states it), on @noble/ciphers (XChaCha20-Poly1305), @noble/curves (X25519) and
 * @noble/hashes (HKDF-SHA256, HMAC-SHA256, Argon2id). tests/vectors/record-crypto.json holds both
 * implementations to the same bytes.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { argon2idAsync } from '@noble/hashes/argon2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base32nopad, base64 } from '@scure/base';

export const VERSION = 1;
const PREFIX = utf8ToBytes('vigil-record/1/');
export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const SALT_BYTES = 16;
export const PAD_BLOCK = 256;
export const ENTRY_FIELDS = Object.freeze(['namespace', 'canonical', 'address', 'key_id', 'token', 'report_id', 'status', 'note']);
export const RECOVERY_PREFIX = 'vigil-recovery-';
export const KDF_DEFAULT = Object.freeze({ iterations: 2, memory: 19456 }); // KiB, one lane, version 0x13
const KDF_FLOOR = KDF_DEFAULT;
const KDF_CEILING = Object.freeze({ iterations: 16, memory: 1 << 20 });

/** Something to refuse: a wrong passphrase or secret, a blob of an unknown shape. */
export class RecordCryptoError extends Error {
  constructor(message) {
    super(message);
    this.name = 'RecordCryptoError';
  }
}

/** Authentication failed: the ciphertext, or what it is bound to, is not what was written. */
export class TamperedError extends RecordCryptoError {
  constructor(message) {
    super(message);
    this.name = 'TamperedError';
  }
}

const b64 = (bytes) => base64.encode(bytes);
function unb64(text) {
  try {
    return base64.decode(text);
  } catch {
    throw new RecordCryptoError('not base64');
  }
}

/** `vigil-record/1/<label>` then each part as a 2-byte big-endian length and its UTF-8. */
export function associatedData(label, ...parts) {
  const chunks = [PREFIX, utf8ToBytes(label)];
  for (const part of parts) {
    const data = utf8ToBytes(String(part));
    chunks.push(new Uint8Array([data.length >> 8, data.length & 0xff]), data);
  }
  return concatBytes(...chunks);
}

function openAead(key, nonce, ciphertext, ad) {
  try {
    return xchacha20poly1305(key, nonce, ad).decrypt(ciphertext);
  } catch {
    throw new TamperedError('the ciphertext does not authenticate');
  }
}

export const publicKey = (privateKey) => x25519.getPublicKey(privateKey);

export function keypair() {
  const privateKey = randomBytes(KEY_BYTES);
  return { privateKey, publicKey: publicKey(privateKey) };
}

export const newRecordKey = () => randomBytes(KEY_BYTES);

/** What two people compare out of band to know a member id is the colleague they mean. */
export function fingerprint(publicKeyBytes) {
  const digest = bytesToHex(sha256(concatBytes(PREFIX, utf8ToBytes('fingerprint'), publicKeyBytes))).slice(0, 20);
  return digest.match(/.{4}/g).join('-');
}

const sealKey = (shared, ephemeralPublic, recipient) =>
  hkdf(sha256, shared, concatBytes(ephemeralPublic, recipient), concatBytes(PREFIX, utf8ToBytes('seal')), KEY_BYTES);

/** Ephemeral public key (32) || XChaCha20-Poly1305 ciphertext under a key only the recipient derives. */
export function seal(recipient, message, ad, { ephemeral = randomBytes(KEY_BYTES) } = {}) {
  const ephemeralPublic = publicKey(ephemeral);
  const key = sealKey(x25519.getSharedSecret(ephemeral, recipient), ephemeralPublic, recipient);
  return concatBytes(ephemeralPublic, xchacha20poly1305(key, new Uint8Array(NONCE_BYTES), ad).encrypt(message));
}

export function openSealed(privateKey, blob, ad) {
  if (blob.length < KEY_BYTES + 16) throw new TamperedError('a sealed blob is too short');
  const ephemeralPublic = blob.subarray(0, KEY_BYTES);
  let shared;
  try {
    shared = x25519.getSharedSecret(privateKey, ephemeralPublic);
  } catch {
    throw new TamperedError("a sealed blob's ephemeral key is not usable");
  }
  const key = sealKey(shared, ephemeralPublic, publicKey(privateKey));
  return openAead(key, new Uint8Array(NONCE_BYTES), blob.subarray(KEY_BYTES), ad);
}

export function wrapRecordKey(recipient, recordKey, { organisation, generation, ephemeral }) {
  const ad = associatedData('record-key', organisation, String(generation));
  return b64(seal(recipient, recordKey, ad, ephemeral ? { ephemeral } : {}));
}

export function unwrapRecordKey(privateKey, wrapped, { organisation, generation }) {
  const key = openSealed(privateKey, unb64(wrapped), associatedData('record-key', organisation, String(generation)));
  if (key.length !== KEY_BYTES) throw new RecordCryptoError('a wrapped record key is not 32 bytes');
  return key;
}

/** A commitment to a generation's key: whoever unwraps a grant knows it is the record's key. */
export function keyCheck(recordKey, { organisation, generation }) {
  return bytesToHex(hmac(sha256, recordKey, associatedData('key-check', organisation, String(generation)))).slice(0, 32);
}

const entryAd = (organisation, keyId, token, generation) =>
  associatedData('entry', organisation, keyId, token, String(generation));

/** Sorted compact JSON of the entry's fields, padded with spaces to a multiple of PAD_BLOCK bytes. */
export function entryPlaintext(entry) {
  const sorted = Object.fromEntries([...ENTRY_FIELDS].sort().map((name) => [name, entry[name] ?? null]));
  const data = utf8ToBytes(JSON.stringify(sorted));
  const padded = new Uint8Array(data.length + ((PAD_BLOCK - (data.length % PAD_BLOCK)) % PAD_BLOCK)).fill(0x20);
  padded.set(data);
  return padded;
}

export function encryptEntry(recordKey, entry, { organisation, generation, nonce = randomBytes(NONCE_BYTES) }) {
  const ad = entryAd(organisation, entry.key_id, entry.token, generation);
  return b64(concatBytes(nonce, xchacha20poly1305(recordKey, nonce, ad).encrypt(entryPlaintext(entry))));
}

/** The entry stored under (organisation, keyId, token); TamperedError if it was written for anything else. */
export function decryptEntry(recordKey, ciphertext, { organisation, keyId, token, generation }) {
  const data = unb64(ciphertext);
  if (data.length < NONCE_BYTES + 16) throw new TamperedError('an entry is too short');
  const plain = openAead(
    recordKey,
    data.subarray(0, NONCE_BYTES),
    data.subarray(NONCE_BYTES),
    entryAd(organisation, keyId, token, generation),
  );
  const entry = JSON.parse(new TextDecoder().decode(plain));
  if (entry.key_id !== keyId || entry.token !== token) {
    throw new TamperedError('an entry names another token than the one it is stored under');
  }
  return entry;
}

const passphraseKey = (passphrase, salt, { iterations, memory }) =>
  argon2idAsync(utf8ToBytes(passphrase.normalize('NFC')), salt, { t: iterations, m: memory, p: 1, dkLen: KEY_BYTES });

/** The blob the hub keeps for a person: useless without the passphrase. */
export async function wrapPrivateKey(
  privateKey,
  passphrase,
  { organisation, params = KDF_DEFAULT, salt = randomBytes(SALT_BYTES), nonce = randomBytes(NONCE_BYTES) },
) {
  const key = await passphraseKey(passphrase, salt, params);
  const ciphertext = xchacha20poly1305(key, nonce, associatedData('private-key', organisation)).encrypt(privateKey);
  return {
    version: VERSION,
    kdf: 'argon2id',
    iterations: params.iterations,
    memory: params.memory,
    salt: b64(salt),
    nonce: b64(nonce),
    ciphertext: b64(ciphertext),
  };
}

export async function unwrapPrivateKey(blob, passphrase, { organisation }) {
  if (typeof blob !== 'object' || blob === null || blob.version !== VERSION || blob.kdf !== 'argon2id') {
    throw new RecordCryptoError('not a wrapped private key of this version');
  }
  const params = { iterations: Number(blob.iterations), memory: Number(blob.memory) };
  const [salt, nonce, ciphertext] = ['salt', 'nonce', 'ciphertext'].map((name) => unb64(String(blob[name])));
  if (salt.length !== SALT_BYTES || nonce.length !== NONCE_BYTES) {
    throw new RecordCryptoError('not a wrapped private key of this version');
  }
  const inRange = (name) =>
    Number.isInteger(params[name]) && KDF_FLOOR[name] <= params[name] && params[name] <= KDF_CEILING[name];
  if (!inRange('iterations') || !inRange('memory')) {
    throw new RecordCryptoError('the wrapped private key asks for Argon2id parameters outside the accepted range');
  }
  const key = await passphraseKey(passphrase, salt, params);
  try {
    return openAead(key, nonce, ciphertext, associatedData('private-key', organisation));
  } catch {
    throw new RecordCryptoError('wrong record passphrase');
  }
}

/** The recovery member's private key as text to write down: `vigil-recovery-` and 52 base32 letters. */
export const recoverySecret = (privateKey) => RECOVERY_PREFIX + base32nopad.encode(privateKey).toLowerCase();

export function recoveryPrivateKey(secret) {
  const text = secret.replace(/\s+/g, '').toLowerCase();
  if (!text.startsWith(RECOVERY_PREFIX)) throw new RecordCryptoError(`a recovery secret starts with ${RECOVERY_PREFIX}`);
  let privateKey;
  try {
    privateKey = base32nopad.decode(text.slice(RECOVERY_PREFIX.length).toUpperCase());
  } catch {
    privateKey = null;
  }
  if (privateKey?.length !== KEY_BYTES) {
    throw new RecordCryptoError('a recovery secret is 52 base32 letters after its prefix');
  }
  return privateKey;
}
