/** normalise() gives the Python client's answer, reason and message, for every shared address vector. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { AddressError, NAMESPACES, REASONS, WHITESPACE, normalise, oprfInput } from '../src/addresses.js';
import { REPO, readJson } from './helpers.js';

const VECTORS = readJson('tests', 'vectors', 'address-vectors.json');
const PYTHON = readJson('tests', 'vectors', 'address-tokens.json');

function refusal(namespace, address) {
  try {
    normalise(namespace, address);
  } catch (error) {
    assert.ok(error instanceof AddressError, `${error}`);
    return error;
  }
  assert.fail(`${namespace}:${address} was accepted`);
}

const label = (vector) => `${vector.namespace}:${vector.input.slice(0, 48)}`;

describe('every valid vector', () => {
  for (const vector of VECTORS.valid) {
    test(`${label(vector)} gives its canonical form, which is its own canonical form`, () => {
      assert.equal(normalise(vector.namespace, vector.input), vector.canonical);
      assert.equal(normalise(vector.namespace, vector.canonical), vector.canonical);
    });
  }
});

describe('every invalid vector', () => {
  for (const vector of VECTORS.invalid) {
    test(`${label(vector)} is refused as ${vector.reason}`, () => {
      assert.equal(refusal(vector.namespace, vector.input).reason, vector.reason);
    });
  }
});

describe('the Python client', () => {
  test('refuses every invalid vector with the same reason and message', () => {
    assert.equal(PYTHON.refusals.length, VECTORS.invalid.length);
    for (const expected of PYTHON.refusals) {
      const error = refusal(expected.namespace, expected.input);
      assert.deepEqual([error.reason, error.message], [expected.reason, expected.message], label(expected));
    }
  });

  test('agrees on the canonical form of every valid vector', () => {
    assert.equal(PYTHON.tokens.length, VECTORS.valid.length);
    for (const expected of PYTHON.tokens) {
      assert.equal(normalise(expected.namespace, expected.input), expected.canonical, label(expected));
    }
  });
});

describe('the shared contract', () => {
  test('namespaces, reasons and stripped whitespace are those of the vector file', () => {
    assert.deepEqual([...NAMESPACES], VECTORS.namespaces);
    assert.deepEqual({ ...REASONS }, VECTORS.reasons);
    assert.equal(WHITESPACE, VECTORS.whitespace);
  });

  test('namespaces are those of client/vigil_client/contract.py', () => {
    const contract = readFileSync(join(REPO, 'client', 'vigil_client', 'contract.py'), 'utf8');
    const line = contract.match(/^NAMESPACES: tuple\[str, \.\.\.\] = \(([^)]*)\)/m);
    assert.ok(line, 'NAMESPACES not found in contract.py');
    assert.deepEqual([...NAMESPACES], [...line[1].matchAll(/"([a-z]+)"/g)].map((match) => match[1]));
  });
});

describe('rules spelt out', () => {
  test('an unknown namespace is refused and the known ones are named', () => {
    const error = refusal('eth', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed');
    assert.equal(error.reason, 'unknown_namespace');
    assert.match(error.message, /evm/);
  });

  test('a namespace named like an Object property is still unknown', () => {
    assert.equal(refusal('constructor', 'x').reason, 'unknown_namespace');
    assert.equal(refusal('__proto__', 'x').reason, 'unknown_namespace');
  });

  test('whitespace, invisible characters and a payment URI are stripped', () => {
    const wrapped = '\ufeff  BITCOIN:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4?AMOUNT=0.01\u00a0\u200b\n';
    assert.equal(normalise('btc', wrapped), 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  });

  test('an em space is not stripped, so the address is refused', () => {
    assert.equal(refusal('btc', '\u20031BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH').reason, 'bad_character');
  });

  test('a Kelvin sign that lowercases to "k" is refused, not folded', () => {
    const address = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'.replace('k', '\u212a');
    assert.equal(refusal('btc', address).reason, 'bad_character');
  });

  test('checksummed, lower and upper EVM spellings give one form', () => {
    const spellings = [
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      '0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED',
    ];
    assert.deepEqual(new Set(spellings.map((spelling) => normalise('evm', spelling))), new Set([spellings[1]]));
    assert.equal(refusal('evm', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD').reason, 'bad_checksum');
  });

  test('CashAddr with and without prefix, in either case, and legacy base58 give one form', () => {
    const canonical = 'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a';
    const spellings = [
      canonical,
      'qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a',
      'BITCOINCASH:QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A',
      '1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu',
    ];
    assert.deepEqual(new Set(spellings.map((spelling) => normalise('bch', spelling))), new Set([canonical]));
  });

  test('TRON hex is written as base58check', () => {
    assert.equal(normalise('trx', '0x419d1015e669c2df831003c5c54ceb48da613d9979'), 'TQHgMpVzWkhSsRB4BzZgmV8uW4cFL8eaBr');
  });

  test('the token input is wallet:<namespace>:<canonical> in UTF-8', () => {
    const input = oprfInput('evm', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
    assert.equal(new TextDecoder().decode(input), 'wallet:evm:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed');
  });
});
