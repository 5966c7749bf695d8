/** The committed bundle works where eval is forbidden, and gives the Python client's tokens end to end. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';

import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

import { REPO, localEvaluator, readJson } from './helpers.js';

const BUNDLE = readFileSync(join(REPO, 'apps', 'portal', 'static', 'portal', 'vigil.js'), 'utf8');
const PYTHON = readJson('tests', 'vectors', 'address-tokens.json');

/** A page's window under a strict CSP: code generation from strings is refused, as without 'unsafe-eval'. */
function loadBundle({ fetch, document }) {
  const window = {};
  const context = vm.createContext(
    { window, fetch, document, crypto: globalThis.crypto, TextEncoder, TextDecoder },
    { codeGeneration: { strings: false, wasm: false } },
  );
  vm.runInContext(BUNDLE, context);
  assert.throws(() => vm.runInContext('eval("1")', context), { name: 'EvalError' });
  return window.Vigil;
}

/** The hub's two OPRF endpoints, answered under the RFC test key; requests are logged. */
function hub() {
  const { secret_key: secret, public_key: pub, key_id: keyId } = PYTHON.key;
  const evaluate = localEvaluator(hexToBytes(secret), hexToBytes(pub), keyId);
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, ...init });
    let body;
    if (url === '/api/v1/oprf/keys') body = [{ key_id: keyId, public_key: pub, status: 'current' }];
    else {
      const asked = JSON.parse(init.body);
      const { evaluated, proof } = await evaluate(asked.key_id, asked.blinded_elements.map(hexToBytes));
      body = { key_id: asked.key_id, evaluated_elements: evaluated.map(bytesToHex), proof: bytesToHex(proof) };
    }
    return { ok: true, status: 200, json: async () => body };
  };
  return { fetch, requests };
}

test('the bundle relies on no eval and no Function constructor', () => {
  assert.doesNotMatch(BUNDLE, /\beval\s*\(|new Function\b|\bFunction\s*\(/);
});

test('window.Vigil tokenises as the Python client does, sending only blinded elements', async () => {
  const { fetch, requests } = hub();
  const Vigil = loadBundle({ fetch, document: { cookie: 'theme=dark; csrftoken=abc%3D1' } });
  const evm = PYTHON.tokens.filter((entry) => entry.namespace === 'evm');
  const results = await Vigil.tokenize('evm', [...evm.map((entry) => entry.input), '0xnope']);
  assert.deepEqual(
    Array.from(results.slice(0, -1), (result) => [result.canonical, result.token, result.keyId]),
    evm.map((entry) => [entry.canonical, entry.token, PYTHON.key.key_id]),
  );
  assert.equal(results.at(-1).reason, 'bad_character');
  const post = requests.find((request) => request.method === 'POST');
  assert.equal(post.headers['X-CSRFToken'], 'abc=1');
  for (const entry of evm) assert.ok(!post.body.toLowerCase().includes(entry.canonical.slice(2)));
});

test('window.Vigil refuses a hub whose proof fails, and names refusal reasons', async () => {
  const { fetch } = hub();
  const lying = async (url, init) => {
    const response = await fetch(url, init);
    if (init?.method !== 'POST') return response;
    const body = await response.json();
    return { ...response, json: async () => ({ ...body, proof: body.proof.replace(/^./, (c) => (c === '0' ? '1' : '0')) }) };
  };
  const Vigil = loadBundle({ fetch: lying, document: undefined });
  await assert.rejects(Vigil.tokenize('btc', ['1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH']), { name: 'ProofError' });
  assert.equal(Vigil.normalise('btc', 'bitcoin:1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH?amount=1'), '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH');
  assert.deepEqual([...Vigil.NAMESPACES], ['btc', 'evm', 'trx', 'ltc', 'bch', 'doge', 'xmr', 'sol']);
  assert.ok(Vigil.REASONS.bad_checksum);
});
