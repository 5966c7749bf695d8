/**
 * Addresses to tokens in the browser: normalise and blind here, evaluate at the hub, verify the
 * hub's batched DLEQ proof against its published key, unblind and finalise here (RFC 9497 VOPRF,
 * ristretto255-SHA512, from @noble/curves). The twin of client/vigil_client/tokens.py: a token
 * is the lowercase hex of the first 32 bytes of the Finalize output over
 * `wallet:<namespace>:<canonical address>`, so the portal and the CLI give one token per wallet.
 */
import { ristretto255, ristretto255_oprf } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

import { AddressError, normalise, oprfInput } from './addresses.js';

const voprf = ristretto255_oprf.voprf;
const Point = ristretto255.Point;
const Fn = Point.Fn;
const EMPTY = new Uint8Array();
const ONE = Fn.toBytes(1n);

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

/** Fewer than t trustees gave a verified answer; `failures` names each one that did not, and why. */
export class TrusteeQuorumError extends HubError {
  constructor(message, failures) {
    super(message);
    this.name = 'TrusteeQuorumError';
    this.failures = failures;
  }
}

/** lambda_j with f(at) = sum(lambda_j * f(j)) for distinct nonzero indexes (client/vigil_client/threshold.py). */
export function lagrangeCoefficients(indexes, at = 0n) {
  const xs = indexes.map(BigInt);
  return new Map(
    xs.map((j) => {
      let numerator = 1n;
      let denominator = 1n;
      for (const m of xs) {
        if (m === j) continue;
        numerator = Fn.mul(numerator, Fn.create(at - m));
        denominator = Fn.mul(denominator, Fn.create(j - m));
      }
      return [Number(j), Fn.mul(numerator, Fn.inv(denominator))];
    }),
  );
}

function weightedSum(weights, elements) {
  let total = Point.ZERO;
  for (const [index, weight] of weights) {
    if (weight !== 0n) total = total.add(Point.fromBytes(elements.get(index)).multiply(weight));
  }
  return total.toBytes();
}

/** Combine verified partial evaluations {index: [k_j*B_i]} from exactly t trustees into [k*B_i]. */
export function combine(partials) {
  const weights = lagrangeCoefficients([...partials.keys()]);
  const size = [...partials.values()][0].length;
  return Array.from({ length: size }, (_, i) => weightedSum(weights, new Map([...partials].map(([j, e]) => [j, e[i]]))));
}

/** Refuse a trustee set whose commitments do not all lie on one polynomial of degree t-1 through the key. */
export function verifyCommitments(publicKey, trustees, threshold) {
  if (!(threshold >= 1 && threshold <= trustees.length)) throw new HubError('the trustee set has an impossible threshold');
  const commitments = new Map(trustees.map((trustee) => [trustee.index, trustee.commitment]));
  const base = new Map([...commitments].sort(([a], [b]) => a - b).slice(0, threshold));
  const at = (x) => weightedSum(lagrangeCoefficients([...base.keys()], BigInt(x)), base);
  try {
    if (bytesToHex(at(0)) !== bytesToHex(publicKey)) throw new Error('not the public key');
    for (const [index, commitment] of commitments) {
      if (!base.has(index) && bytesToHex(at(index)) !== bytesToHex(commitment)) throw new Error(`share ${index}`);
    }
  } catch (error) {
    throw new HubError(`the trustees of key ${keyIdFor(publicKey)} do not give its public key (${error.message}); refusing it`);
  }
}

function checkedKey(item) {
  const publicKey = hexToBytes(item.public_key);
  if (keyIdFor(publicKey) !== item.key_id) {
    throw new HubError(`the hub's key ${item.key_id} does not match its public key; refusing it`);
  }
  const trustees = (item.trustees ?? []).map((t) => ({ index: t.index, name: t.name, url: t.url, commitment: hexToBytes(t.commitment) }));
  const threshold = item.threshold ?? null;
  if (threshold !== null) verifyCommitments(publicKey, trustees, threshold);
  return { keyId: item.key_id, publicKey, status: item.status, threshold, trustees };
}

/** The JSON of a good answer, else a HubError saying who (`name`) answered what. */
async function answer(response, name = 'hub') {
  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.json()).detail ?? '';
    } catch {
      // A body that is not problem+json says nothing more than the status.
    }
    throw new HubError(`${name} answered ${response.status}${detail ? `: ${detail}` : ''}`, { status: response.status });
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
 * One trustee of a split key, reached directly with the organisation's own API key there (never the
 * hub's session): `evaluate(keyId, blinded)` answers `{evaluated, proof}` from the trustee's share.
 */
export function trusteeClient(trustee, apiKey, { fetchImpl = globalThis.fetch.bind(globalThis) } = {}) {
  return {
    async evaluate(keyId, blinded) {
      let response;
      try {
        response = await fetchImpl(`${trustee.url.replace(/\/$/, '')}/api/v1/oprf/evaluate`, {
          method: 'POST',
          credentials: 'omit',
          headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ key_id: keyId, blinded_elements: blinded.map(bytesToHex) }),
        });
      } catch {
        // A browser tells a page no more than this of a trustee that is down or refuses the page's origin.
        throw new HubError(`trustee ${trustee.name} could not be reached (it is down, or does not admit this portal's origin)`);
      }
      const reply = await answer(response, `trustee ${trustee.name}`);
      const elements = reply.evaluated_elements;
      if (reply.key_id !== keyId || reply.share_index !== trustee.index || !Array.isArray(elements) || elements.length !== blinded.length) {
        throw new HubError(`trustee ${trustee.name}'s evaluation does not answer the request that was sent`);
      }
      return { evaluated: elements.map(hexToBytes), proof: hexToBytes(reply.proof) };
    },
  };
}

/** The evaluate functions of the trustees of `key` that `trusteeKeys` (name → API key) reaches. */
export function trusteeEvaluators(key, trusteeKeys, { fetchImpl } = {}) {
  const reachable = (key.trustees ?? []).filter((trustee) => trusteeKeys[trustee.name]);
  return Object.fromEntries(
    reachable.map((trustee) => {
      const client = trusteeClient(trustee, trusteeKeys[trustee.name], { fetchImpl });
      return [trustee.name, client.evaluate.bind(client)];
    }),
  );
}

/**
 * k*B for each blinded element under a split `key`: ask t trustees at once (`evaluators` maps a
 * trustee's name to its evaluate function), verify each answer's proof against that trustee's
 * commitment, ask the next ones for any that failed, and combine t verified answers. `caught`
 * collects the names of trustees whose proof failed. Throws TrusteeQuorumError naming each
 * trustee that did not answer, and why, when fewer than t did.
 */
export async function evaluateWithTrustees(key, evaluators, blinded, caught = new Map()) {
  const failures = new Map();
  for (const trustee of key.trustees) {
    if (!evaluators[trustee.name]) failures.set(trustee.name, 'no API key for it');
  }
  const waiting = key.trustees
    .filter((trustee) => evaluators[trustee.name])
    .sort((a, b) => Number(caught.has(a.name)) - Number(caught.has(b.name)));
  const answers = new Map();
  while (answers.size < key.threshold && waiting.length) {
    const asked = waiting.splice(0, key.threshold - answers.size);
    const settled = await Promise.allSettled(
      asked.map(async (trustee) => {
        const { evaluated, proof } = await evaluators[trustee.name](key.keyId, blinded);
        try {
          // @noble/curves verifies a proof only inside finalizeBatch: against the commitment k_j*G it
          // proves the answer is k_j*B; the outputs (unblinded by one) are discarded.
          const items = blinded.map((element, i) => ({ input: EMPTY, blind: ONE, blinded: element, evaluated: evaluated[i] }));
          voprf.finalizeBatch(items, trustee.commitment, proof);
        } catch {
          throw new ProofError(`trustee ${trustee.name}'s proof did not verify against its share commitment; answer dropped`);
        }
        return evaluated;
      }),
    );
    settled.forEach((outcome, i) => {
      const trustee = asked[i];
      if (outcome.status === 'fulfilled') answers.set(trustee.index, outcome.value);
      else {
        failures.set(trustee.name, outcome.reason?.message ?? String(outcome.reason));
        if (outcome.reason instanceof ProofError) caught.set(trustee.name, outcome.reason.message);
      }
    });
  }
  if (answers.size < key.threshold) {
    const named = [...failures].map(([name, reason]) => `${name}: ${reason}`).join('; ');
    throw new TrusteeQuorumError(
      `key ${key.keyId} needs ${key.threshold} of its ${key.trustees.length} trustees and only ${answers.size} gave a verified answer. ${named}`,
      Object.fromEntries(failures),
    );
  }
  return combine(answers);
}

/**
 * Tokens for `addresses` in `namespace`, in input order: `{address, canonical, token}` for each
 * valid one, `{address, reason, error}` for each refused one. `evaluate(keyId, blinded)` is the
 * hub (hubClient().evaluate); `key` is `{keyId, publicKey}` of the key it must prove. For a key
 * split among trustees, `trustees` maps trustee names to their evaluate functions (trusteeClient)
 * and `caught` collects the names of trustees whose proof failed.
 * Throws ProofError, and returns nothing, if any batch's proof fails.
 */
export async function tokenize(namespace, addresses, { key, evaluate, trustees = {}, caught = new Map(), batchSize = DEFAULT_BATCH }) {
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
    let outputs;
    if (key.threshold) {
      // Each share's proof was verified; Finalize's hash is the same in OPRF and VOPRF mode.
      const combined = await evaluateWithTrustees(key, trustees, blinded, caught);
      outputs = inputs.map((input, i) => ristretto255_oprf.oprf.finalize(input, blinds[i], combined[i]));
    } else {
      const { evaluated, proof } = await evaluate(key.keyId, blinded);
      outputs = finalizeBatch({ inputs, blinds, blinded, evaluated, proof, publicKey: key.publicKey });
    }
    chunk.forEach((index, i) => {
      results[index].token = tokenFromOutput(outputs[i]);
    });
  }
  return results;
}
