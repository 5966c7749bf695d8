/**
 * Addresses to tokens in the browser: normalise and blind here, evaluate at the hub, verify the
 * hub's batched DLEQ proof against its published key, unblind and finalise here (RFC 9497 VOPRF,
 * ristretto255-SHA512, from @noble/curves). The twin of client/vigil_client/tokens.py: a token
 * is the lowercase hex of the first 32 bytes of the Finalize output over
 * `wallet:<namespace>:<canonical address>`, so the portal and the CLI give one token per wallet.
 */
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

import { AddressError, normalise, oprfInput } from './addresses.js';

const voprf = ristretto255_oprf.voprf;

// client/vigil_client/contract.py: EVALUATE_BATCH_MAX and KEY_ID_LENGTH (a test ties them).
export const EVALUATE_BATCH_MAX = 10_000;
export const KEY_ID_LENGTH = 16;
export const DEFAULT_BATCH = 1_000; // a page's batch: one request, one proof, a responsive tab

/** The hub answered something other than what was asked, or refused. */
export class HubError extends Error {
  constructor(message, { status = null } = {}) {
    super(message);
    this.name = 'HubError';
    this.status = status;
  }
}

/** The hub's proof does not show that it evaluated under its published key: refuse the answer. */
export class ProofError extends Error {
  constructor(message = "the hub's proof did not verify; its answer is refused") {
    super(message);
    this.name = 'ProofError';
  }
}

/** A key id is the first 16 hex characters of SHA-256(public key): anyone can check it. */
export function keyIdFor(publicKey) {
  return bytesToHex(sha256(publicKey)).slice(0, KEY_ID_LENGTH);
}

/** Vigil's token: lowercase hex of the first 32 bytes of a 64-byte Finalize output. */
export function tokenFromOutput(output) {
  if (output.length !== 64) throw new Error('Finalize output must be 64 bytes');
  return bytesToHex(output.subarray(0, 32));
}

/** Blind each input with a fresh random scalar; `rng` is for test vectors only. */
export function blindBatch(inputs, rng = undefined) {
  const blinded = inputs.map((input) => (rng ? voprf.blind(input, rng) : voprf.blind(input)));
  return { blinds: blinded.map((item) => item.blind), blinded: blinded.map((item) => item.blinded) };
}

/** Verify the batched proof, then unblind and finalise; throws ProofError rather than guess. */
export function finalizeBatch({ inputs, blinds, blinded, evaluated, proof, publicKey }) {
  if (evaluated.length !== inputs.length) throw new ProofError('the hub answered a different number of elements');
  const items = inputs.map((input, i) => ({ input, blind: blinds[i], blinded: blinded[i], evaluated: evaluated[i] }));
  try {
    return voprf.finalizeBatch(items, publicKey, proof);
  } catch {
    // An invalid element, an identity, a malformed proof or one that fails: all mean "not proven".
    throw new ProofError();
  }
}

function checkedKey(item) {
  const publicKey = hexToBytes(item.public_key);
  if (keyIdFor(publicKey) !== item.key_id) {
    throw new HubError(`the hub's key ${item.key_id} does not match its public key; refusing it`);
  }
  return { keyId: item.key_id, publicKey, status: item.status };
}

async function answer(response) {
  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.json()).detail ?? '';
    } catch {
      // A body that is not problem+json says nothing more than the status.
    }
    throw new HubError(`hub answered ${response.status}${detail ? `: ${detail}` : ''}`, { status: response.status });
  }
  return response.json();
}

/**
 * The hub's API as the signed-in member's page sees it: same-origin requests carrying the
 * session cookie, and Django's CSRF token on the POST. `fetchImpl` is replaceable for tests.
 */
export function hubClient({ baseUrl = '/api/v1', csrfToken = '', fetchImpl = globalThis.fetch.bind(globalThis) } = {}) {
  const request = (path, init = {}) =>
    fetchImpl(`${baseUrl}/${path}`, {
      credentials: 'same-origin',
      ...init,
      headers: { Accept: 'application/json', ...(init.headers ?? {}) },
    }).then(answer);
  return {
    /** Every published key, each checked against its id. */
    async keys() {
      return (await request('oprf/keys')).map(checkedKey);
    },
    /** The key new tokens are made under. */
    async currentKey() {
      const current = (await this.keys()).find((key) => key.status === 'current');
      if (!current) throw new HubError('the hub has no current OPRF key');
      return current;
    },
    /** Blind-evaluate a batch: `{evaluated, proof}` as bytes, after checking it answers the request. */
    async evaluate(keyId, blinded) {
      const body = { key_id: keyId, blinded_elements: blinded.map(bytesToHex) };
      const reply = await request('oprf/evaluate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(csrfToken ? { 'X-CSRFToken': csrfToken } : {}) },
        body: JSON.stringify(body),
      });
      const elements = reply.evaluated_elements;
      if (reply.key_id !== keyId || !Array.isArray(elements) || elements.length !== blinded.length) {
        throw new HubError("the hub's evaluation does not answer the request that was sent");
      }
      try {
        return { evaluated: elements.map(hexToBytes), proof: hexToBytes(reply.proof) };
      } catch {
        throw new ProofError('the hub answered elements or a proof that are not hex');
      }
    },
  };
}

/**
 * Tokens for `addresses` in `namespace`, in input order: `{address, canonical, token}` for each
 * valid one, `{address, reason, error}` for each refused one. `evaluate(keyId, blinded)` is the
 * hub (hubClient().evaluate); `key` is `{keyId, publicKey}` of the key it must prove.
 * Throws ProofError, and returns nothing, if any batch's proof fails.
 */
export async function tokenize(namespace, addresses, { key, evaluate, batchSize = DEFAULT_BATCH }) {
  if (!(batchSize >= 1 && batchSize <= EVALUATE_BATCH_MAX)) {
    throw new RangeError(`batch size must be between 1 and ${EVALUATE_BATCH_MAX}`);
  }
  const results = [];
  const valid = [];
  for (const address of addresses) {
    try {
      const canonical = normalise(namespace, address);
      valid.push(results.length);
      results.push({ address, canonical, token: null });
    } catch (error) {
      if (!(error instanceof AddressError)) throw error;
      results.push({ address, reason: error.reason, error: error.message });
    }
  }
  for (let start = 0; start < valid.length; start += batchSize) {
    const chunk = valid.slice(start, start + batchSize);
    const inputs = chunk.map((index) => oprfInput(namespace, results[index].canonical));
    const { blinds, blinded } = blindBatch(inputs);
    const { evaluated, proof } = await evaluate(key.keyId, blinded);
    const outputs = finalizeBatch({ inputs, blinds, blinded, evaluated, proof, publicKey: key.publicKey });
    chunk.forEach((index, i) => {
      results[index].token = tokenFromOutput(outputs[i]);
    });
  }
  return results;
}
