/** The in-browser VOPRF: RFC 9497 vectors, the same tokens as the Python client, and refusals. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';

import {
  EVALUATE_BATCH_MAX,
  HubError,
  KEY_ID_LENGTH,
  ProofError,
  blindBatch,
  finalizeBatch,
  hubClient,
  keyIdFor,
  tokenFromOutput,
  tokenize,
} from '../src/oprf.js';
import { REPO, hex, localEvaluator, readJson, rngFor } from './helpers.js';

const RFC = readJson('tests', 'vectors', 'rfc9497-ristretto255-sha512.json').modes.VOPRF;
const PYTHON = readJson('tests', 'vectors', 'address-tokens.json');
const SECRET = hex(RFC.skSm);
const PUBLIC = hex(RFC.pkSm);
const KEY = { keyId: keyIdFor(PUBLIC), publicKey: PUBLIC };
const evaluator = localEvaluator(SECRET, PUBLIC, KEY.keyId);

describe('RFC 9497 VOPRF vectors, ristretto255-SHA512', () => {
  test('DeriveKeyPair gives the vectors key', () => {
    const keys = ristretto255_oprf.voprf.deriveKeyPair(hex(RFC.Seed), hex(RFC.KeyInfo));
    assert.equal(bytesToHex(keys.secretKey), RFC.skSm);
    assert.equal(bytesToHex(keys.publicKey), RFC.pkSm);
  });

  for (const vector of RFC.vectors) {
    test(`${vector.name}: blind, evaluate, verify the proof and finalize`, () => {
      const inputs = vector.Input.map(hex);
      const blinded = [];
      const blinds = [];
      inputs.forEach((input, i) => {
        const one = blindBatch([input], rngFor(hex(vector.Blind[i])));
        blinds.push(...one.blinds);
        blinded.push(...one.blinded);
      });
      assert.deepEqual(blinds.map(bytesToHex), vector.Blind);
      assert.deepEqual(blinded.map(bytesToHex), vector.BlindedElement);

      const rng = rngFor(hex(vector.ProofRandomScalar));
      const { evaluated, proof } = ristretto255_oprf.voprf.blindEvaluateBatch(SECRET, PUBLIC, blinded, rng);
      assert.deepEqual(evaluated.map(bytesToHex), vector.EvaluationElement);
      assert.equal(bytesToHex(proof), vector.Proof);

      const outputs = finalizeBatch({ inputs, blinds, blinded, evaluated, proof, publicKey: PUBLIC });
      assert.deepEqual(outputs.map(bytesToHex), vector.Output);
    });
  }

  test('a proof with one bit flipped is refused', () => {
    const vector = RFC.vectors.find((v) => v.Batch === 2);
    const proof = hex(vector.Proof);
    proof[5] ^= 1;
    const args = {
      inputs: vector.Input.map(hex),
      blinds: vector.Blind.map(hex),
      blinded: vector.BlindedElement.map(hex),
      evaluated: vector.EvaluationElement.map(hex),
      publicKey: PUBLIC,
    };
    assert.equal(finalizeBatch({ ...args, proof: hex(vector.Proof) }).length, 2);
    assert.throws(() => finalizeBatch({ ...args, proof }), ProofError);
  });

  test('a true proof against another public key is refused', () => {
    const vector = RFC.vectors[0];
    const other = ristretto255_oprf.voprf.generateKeyPair().publicKey;
    const args = {
      inputs: vector.Input.map(hex),
      blinds: vector.Blind.map(hex),
      blinded: vector.BlindedElement.map(hex),
      evaluated: vector.EvaluationElement.map(hex),
      proof: hex(vector.Proof),
    };
    assert.throws(() => finalizeBatch({ ...args, publicKey: other }), ProofError);
  });
});

describe('tokens', () => {
  test('every valid address vector gives the Python client token under the RFC key', async () => {
    assert.equal(PYTHON.key.key_id, KEY.keyId);
    const byNamespace = new Map();
    for (const entry of PYTHON.tokens) byNamespace.set(entry.namespace, [...(byNamespace.get(entry.namespace) ?? []), entry]);
    assert.equal(byNamespace.size, 8);
    for (const [namespace, entries] of byNamespace) {
      const results = await tokenize(
        namespace,
        entries.map((entry) => entry.input),
        { key: KEY, evaluate: evaluator, batchSize: 7 },
      );
      results.forEach((result, i) => {
        assert.equal(result.canonical, entries[i].canonical, entries[i].input);
        assert.equal(result.token, entries[i].token, entries[i].input);
      });
    }
  });

  test('a token is the lowercase hex of the first 32 bytes of the Finalize output', () => {
    assert.equal(tokenFromOutput(hex(RFC.vectors[0].Output[0])), RFC.vectors[0].Output[0].slice(0, 64));
    assert.throws(() => tokenFromOutput(new Uint8Array(32)));
  });

  test('refused addresses keep their place, reason and message and cost no evaluation', async () => {
    let evaluated = 0;
    const counting = async (keyId, blinded) => {
      evaluated += blinded.length;
      return evaluator(keyId, blinded);
    };
    const addresses = ['not-an-address', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', ' '];
    const results = await tokenize('evm', addresses, { key: KEY, evaluate: counting });
    assert.equal(evaluated, 1);
    assert.deepEqual(
      results.map((result) => [result.address, result.reason ?? null, Boolean(result.token)]),
      [
        ['not-an-address', 'unknown_prefix', false],
        ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', null, true],
        [' ', 'empty', false],
      ],
    );
    assert.equal(results[0].error, 'an EVM address starts with 0x');
  });

  test('two spellings of one wallet give one token, though each is blinded afresh', async () => {
    const spellings = ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED'];
    const sent = [];
    const recording = async (keyId, blinded) => {
      sent.push(...blinded.map(bytesToHex));
      return evaluator(keyId, blinded);
    };
    const [one, two] = await tokenize('evm', spellings, { key: KEY, evaluate: recording });
    assert.equal(one.token, two.token);
    assert.notEqual(sent[0], sent[1]);
  });

  test('a hub evaluating under another key is refused, and no token is returned', async () => {
    const other = ristretto255_oprf.voprf.generateKeyPair();
    const impostor = localEvaluator(other.secretKey, other.publicKey, KEY.keyId);
    await assert.rejects(
      tokenize('btc', ['1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH'], { key: KEY, evaluate: impostor }),
      ProofError,
    );
  });

  test('a batch size outside 1..EVALUATE_BATCH_MAX is refused', async () => {
    for (const batchSize of [0, EVALUATE_BATCH_MAX + 1]) {
      await assert.rejects(tokenize('btc', [], { key: KEY, evaluate: evaluator, batchSize }), RangeError);
    }
  });

  test('batch limit and key id length are those of client/vigil_client/contract.py', () => {
    const contract = readFileSync(join(REPO, 'client', 'vigil_client', 'contract.py'), 'utf8');
    const value = (name) => Number(contract.match(new RegExp(`^${name} = ([0-9_]+)`, 'm'))[1].replaceAll('_', ''));
    assert.equal(EVALUATE_BATCH_MAX, value('EVALUATE_BATCH_MAX'));
    assert.equal(KEY_ID_LENGTH, value('KEY_ID_LENGTH'));
  });
});

/** A fetch that answers from `routes` ("METHOD path" → body, or a Refusal) and logs requests. */
class Refusal {
  constructor(status, body) {
    this.status = status;
    this.body = body;
  }
}

function fakeFetch(routes) {
  const requests = [];
  const fetchImpl = async (url, init) => {
    requests.push({ url, ...init });
    const route = routes[`${init.method ?? 'GET'} ${url}`];
    const [status, body] = route instanceof Refusal ? [route.status, route.body] : [200, route];
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  };
  return { fetchImpl, requests };
}

describe('the hub client', () => {
  const published = [
    { key_id: 'aaaaaaaaaaaaaaaa', public_key: RFC.pkSm, status: 'previous' },
    { key_id: KEY.keyId, public_key: RFC.pkSm, status: 'current' },
  ];

  test('a key whose id is not the hash of its public key is refused', async () => {
    const { fetchImpl } = fakeFetch({ 'GET /api/v1/oprf/keys': published });
    await assert.rejects(hubClient({ fetchImpl }).currentKey(), /does not match its public key/);
  });

  test('the current key is found and checked', async () => {
    const { fetchImpl, requests } = fakeFetch({ 'GET /api/v1/oprf/keys': [published[1]] });
    const key = await hubClient({ fetchImpl }).currentKey();
    assert.equal(key.keyId, KEY.keyId);
    assert.deepEqual(key.publicKey, PUBLIC);
    assert.equal(requests[0].credentials, 'same-origin');
  });

  test('evaluate posts hex elements under the key id with the CSRF token', async () => {
    const { blinded } = blindBatch([new Uint8Array([1])]);
    const { evaluated, proof } = await evaluator(KEY.keyId, blinded);
    const reply = { key_id: KEY.keyId, evaluated_elements: evaluated.map(bytesToHex), proof: bytesToHex(proof) };
    const { fetchImpl, requests } = fakeFetch({ 'POST /hub/oprf/evaluate': reply });
    const answer = await hubClient({ baseUrl: '/hub', csrfToken: 'csrf-1', fetchImpl }).evaluate(KEY.keyId, blinded);
    assert.deepEqual(answer.evaluated, evaluated);
    assert.deepEqual(JSON.parse(requests[0].body), { key_id: KEY.keyId, blinded_elements: blinded.map(bytesToHex) });
    assert.equal(requests[0].headers['X-CSRFToken'], 'csrf-1');
  });

  test('an answer for another key or another number of elements is refused', async () => {
    const { blinded } = blindBatch([new Uint8Array([1]), new Uint8Array([2])]);
    const short = { key_id: KEY.keyId, evaluated_elements: ['00'.repeat(32)], proof: '00'.repeat(64) };
    const { fetchImpl } = fakeFetch({ 'POST /api/v1/oprf/evaluate': short });
    await assert.rejects(hubClient({ fetchImpl }).evaluate(KEY.keyId, blinded), HubError);
  });

  test("the hub's refusal becomes a HubError with its status and detail", async () => {
    const { fetchImpl } = fakeFetch({ 'POST /api/v1/oprf/evaluate': new Refusal(429, { detail: 'Daily quota reached.' }) });
    const error = await hubClient({ fetchImpl }).evaluate(KEY.keyId, [new Uint8Array(32)]).catch((e) => e);
    assert.ok(error instanceof HubError);
    assert.equal(error.status, 429);
    assert.match(error.message, /429: Daily quota reached/);
  });
});
