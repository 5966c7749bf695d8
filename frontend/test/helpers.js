/** Shared test helpers: the repository's vector files, fixed scalars, and a local evaluator. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function readJson(...parts) {
  return JSON.parse(readFileSync(join(REPO, ...parts), 'utf8'));
}

export const hex = (text) => hexToBytes(text);

/**
 * An rng that makes @noble/curves pick exactly `scalar` (32 bytes, little-endian) as its random
 * scalar, to replay the RFC vectors' Blind and ProofRandomScalar. The library maps its 48 random
 * bytes x (little-endian) to x mod (L - 1) + 1, so x = scalar - 1 gives the scalar back.
 */
export function rngFor(scalar) {
  let value = 0n;
  for (let i = scalar.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(scalar[i]);
  value -= 1n;
  return (length) => {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    return bytes;
  };
}

/** Test-only stand-in for the hub: evaluate a batch under a known secret key, with its proof. */
export function localEvaluator(secretKey, publicKey, keyId) {
  return async (askedKeyId, blinded) => {
    if (askedKeyId !== keyId) throw new Error(`asked for key ${askedKeyId}, holding ${keyId}`);
    return ristretto255_oprf.voprf.blindEvaluateBatch(secretKey, publicKey, blinded);
  };
}
