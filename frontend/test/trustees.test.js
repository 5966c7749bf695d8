/** A key split 2-of-3 among trustees: the browser verifies each share's proof, combines t answers, and gets the single key's tokens. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ristretto255, ristretto255_oprf } from '@noble/curves/ed25519.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';

import {
  HubError,
  TrusteeQuorumError,
  blindBatch,
  combine,
  hubClient,
  keyIdFor,
  tokenize,
  trusteeClient,
  verifyCommitments,
} from '../src/oprf.js';
import { pageHub } from '../src/pages/hub.js';
import { trusteeKeyStore } from '../src/pages/trustee-keys.js';
import { hex, readJson } from './helpers.js';

const RFC = readJson('tests', 'vectors', 'rfc9497-ristretto255-sha512.json').modes.VOPRF;
const PYTHON = readJson('tests', 'vectors', 'address-tokens.json');
const Fn = ristretto255.Point.Fn;
const PUBLIC = hex(RFC.pkSm);

/** Shamir-split the RFC key 2-of-3: f(x) = k + a*x with a fresh random a. */
function split() {
  const k = Fn.fromBytes(hex(RFC.skSm));
  const a = Fn.create(BigInt(`0x${bytesToHex(randomBytes(32))}`));
  return [1, 2, 3].map((index) => {
    const secret = Fn.toBytes(Fn.add(k, Fn.mul(a, BigInt(index))));
    return { index, name: ['hub', 'ngo', 'regulator'][index - 1], url: `https://t${index}.test`, secret, commitment: ristretto255.Point.BASE.multiply(Fn.fromBytes(secret)).toBytes() };
  });
}

const SHARES = split();
const KEY = { keyId: keyIdFor(PUBLIC), publicKey: PUBLIC, threshold: 2, trustees: SHARES.map(({ secret, ...trustee }) => trustee) };
const honest = (share) => async (keyId, blinded) => {
  assert.equal(keyId, KEY.keyId);
  return ristretto255_oprf.voprf.blindEvaluateBatch(share.secret, share.commitment, blinded);
};
const evaluators = (names) => Object.fromEntries(SHARES.filter((s) => names.includes(s.name)).map((s) => [s.name, honest(s)]));

async function tokensOf(entries, trustees, caught) {
  const byNamespace = new Map();
  for (const entry of entries) byNamespace.set(entry.namespace, [...(byNamespace.get(entry.namespace) ?? []), entry]);
  const tokens = new Map();
  for (const [namespace, group] of byNamespace) {
    const results = await tokenize(namespace, group.map((e) => e.input), { key: KEY, trustees, caught, batchSize: 9 });
    results.forEach((result, i) => tokens.set(`${namespace} ${group[i].input}`, result.token));
  }
  return entries.map((entry) => tokens.get(`${entry.namespace} ${entry.input}`));
}

describe('a key split 2-of-3', () => {
  test('every pair of trustees gives the Python client token of every address vector', async () => {
    const expected = PYTHON.tokens.map((entry) => entry.token);
    for (const pair of [['hub', 'ngo'], ['hub', 'regulator'], ['ngo', 'regulator']]) {
      assert.deepEqual(await tokensOf(PYTHON.tokens, evaluators(pair)), expected, pair.join('+'));
    }
  });

  test('a trustee answering with another share is caught by its proof, dropped, named, and replaced', async () => {
    const lying = async (keyId, blinded) => ristretto255_oprf.voprf.blindEvaluateBatch(SHARES[2].secret, SHARES[2].commitment, blinded);
    const caught = new Map();
    const sample = PYTHON.tokens.slice(0, 5);
    const tokens = await tokensOf(sample, { ...evaluators(['ngo', 'regulator']), hub: lying }, caught);
    assert.deepEqual(tokens, sample.map((entry) => entry.token));
    assert.deepEqual([...caught.keys()], ['hub']);
  });

  test('fewer than t answers fail, naming each trustee that did not answer and why', async () => {
    const down = async () => {
      throw new HubError('cannot reach the trustee');
    };
    const error = await tokenize('btc', [PYTHON.tokens[0].input], { key: KEY, trustees: { hub: down, ngo: honest(SHARES[1]) } }).catch((e) => e);
    assert.ok(error instanceof TrusteeQuorumError);
    assert.deepEqual(error.failures, { hub: 'cannot reach the trustee', regulator: 'no API key for it' });
    assert.match(error.message, /needs 2 of its 3 trustees and only 1 gave a verified answer/);
  });

  test('one share alone, weighted as the whole key, does not give the key evaluation', () => {
    const { blinded } = blindBatch([new Uint8Array([7])]);
    const alone = ristretto255_oprf.voprf.blindEvaluateBatch(SHARES[0].secret, SHARES[0].commitment, blinded).evaluated;
    const whole = ristretto255_oprf.voprf.blindEvaluateBatch(hex(RFC.skSm), PUBLIC, blinded).evaluated;
    assert.notDeepEqual(combine(new Map([[1, alone]])), whole);
  });

  test('the hub client checks that published commitments give the key, and refuses a set that does not', async () => {
    const item = (trustees) => ({
      key_id: KEY.keyId,
      public_key: RFC.pkSm,
      status: 'current',
      threshold: 2,
      trustees: trustees.map((t) => ({ index: t.index, name: t.name, url: t.url, commitment: bytesToHex(t.commitment) })),
    });
    const fetchFor = (body) => async () => new Response(JSON.stringify([body]), { status: 200 });
    const key = await hubClient({ fetchImpl: fetchFor(item(SHARES)) }).currentKey();
    assert.deepEqual(key.trustees.map((t) => t.name), ['hub', 'ngo', 'regulator']);
    const swapped = SHARES.map((share, i) => ({ ...share, commitment: SHARES[(i + 1) % 3].commitment }));
    await assert.rejects(hubClient({ fetchImpl: fetchFor(item(swapped)) }).currentKey(), /do not give its public key/);
    assert.throws(() => verifyCommitments(PUBLIC, KEY.trustees, 4), HubError);
  });

  test('a trustee is asked directly with the organisation key there, and must answer from its own share', async () => {
    const requests = [];
    const { blinded } = blindBatch([new Uint8Array([1])]);
    const { evaluated, proof } = await honest(SHARES[1])(KEY.keyId, blinded);
    const reply = (shareIndex) => async (url, init) => {
      requests.push({ url, ...init });
      const body = { key_id: KEY.keyId, evaluated_elements: evaluated.map(bytesToHex), proof: bytesToHex(proof), share_index: shareIndex };
      return new Response(JSON.stringify(body), { status: 200 });
    };
    const answer = await trusteeClient(KEY.trustees[1], 'vgl_ngo', { fetchImpl: reply(2) }).evaluate(KEY.keyId, blinded);
    assert.deepEqual(answer.evaluated, evaluated);
    assert.equal(requests[0].url, 'https://t2.test/api/v1/oprf/evaluate');
    assert.equal(requests[0].headers.Authorization, 'Bearer vgl_ngo');
    assert.equal(requests[0].credentials, 'omit');
    await assert.rejects(trusteeClient(KEY.trustees[1], 'vgl_ngo', { fetchImpl: reply(3) }).evaluate(KEY.keyId, blinded), /does not answer/);
  });

  test('a trustee that refuses or cannot be reached is named in the error', async () => {
    const { blinded } = blindBatch([new Uint8Array([1])]);
    const refusing = async () => new Response(JSON.stringify({ detail: 'Invalid API key.' }), { status: 401 });
    const unreachable = async () => {
      throw new TypeError('Failed to fetch');
    };
    await assert.rejects(trusteeClient(KEY.trustees[1], 'bad', { fetchImpl: refusing }).evaluate(KEY.keyId, blinded), /^HubError: trustee ngo answered 401: Invalid API key\.$/);
    await assert.rejects(trusteeClient(KEY.trustees[2], 'vgl', { fetchImpl: unreachable }).evaluate(KEY.keyId, blinded), /trustee regulator could not be reached/);
  });
});

describe("the portal's pages under a split key", () => {
  /** Trustees answering over "HTTP" from their shares when the organisation's key is right; the hub must not be asked to evaluate. */
  function trusteeFetch(asked) {
    return async (url, init) => {
      const share = SHARES.find((s) => url === `${s.url}/api/v1/oprf/evaluate`);
      if (!share) throw new Error(`unexpected request to ${url}`);
      asked.push(share.name);
      if (init.headers.Authorization !== `Bearer key-at-${share.name}`) return new Response('{"detail": "Invalid API key."}', { status: 401 });
      const body = JSON.parse(init.body);
      const { evaluated, proof } = await honest(share)(body.key_id, body.blinded_elements.map(hex));
      const reply = { key_id: body.key_id, evaluated_elements: evaluated.map(bytesToHex), proof: bytesToHex(proof), share_index: share.index };
      return new Response(JSON.stringify(reply), { status: 200 });
    };
  }
  const vector = PYTHON.tokens.find((entry) => entry.namespace === 'btc');

  test('tokens are made at the trustees whose keys the page holds, read at each batch', async () => {
    const asked = [];
    let keys = {};
    const hub = pageHub({ trusteeKeys: () => keys, fetchImpl: trusteeFetch(asked) });
    keys = { ngo: 'key-at-ngo', regulator: 'key-at-regulator' };
    assert.deepEqual(await hub.tokens(KEY, 'btc', [vector.input]), [vector.token]);
    assert.deepEqual(asked.sort(), ['ngo', 'regulator']);
  });

  test('fewer than t trustees answering stops the page with each trustee named and why', async () => {
    const hub = pageHub({ trusteeKeys: () => ({ hub: 'wrong', ngo: 'key-at-ngo' }), fetchImpl: trusteeFetch([]) });
    const error = await hub.tokens(KEY, 'btc', [vector.input]).catch((e) => e);
    assert.ok(error instanceof TrusteeQuorumError);
    assert.deepEqual(error.failures, { hub: 'trustee hub answered 401: Invalid API key.', regulator: 'no API key for it' });
  });

  test("the keys are kept per organisation, blanks dropped, and forgotten on request", () => {
    const items = new Map();
    const storage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v), removeItem: (k) => items.delete(k) };
    const alpha = trusteeKeyStore(storage, 'alpha');
    alpha.set({ hub: 'k1', ngo: '', regulator: 'k3' });
    assert.deepEqual(alpha.get(), { hub: 'k1', regulator: 'k3' });
    assert.deepEqual(trusteeKeyStore(storage, 'beta').get(), {});
    alpha.set({ hub: '' });
    assert.equal(items.size, 0);
    items.set('vigil-trustee-keys:alpha', 'not json');
    assert.deepEqual(alpha.get(), {});
  });
});
