/** The browser's shared record reads the Python client's entries and shows a tampered one as such. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SharedRecord, SharedRecordError, Tampered } from '../src/shared.js';
import { hex, readJson } from './helpers.js';

const VECTORS = readJson('tests', 'vectors', 'record-crypto.json');
const ORG = VECTORS.organisation;
const [MEMBER] = VECTORS.keypairs;

/** The record as the hub answers GET record to the vectors' member, and its entries by token. */
function state(generations = [1, 2]) {
  return {
    generation: 2,
    rotation_required: false,
    entries: { total: 2, current: 1 },
    key_checks: Object.fromEntries(VECTORS.key_checks.map((item) => [String(item.generation), item.key_check])),
    member: {
      id: 'rmb_member',
      public_key: MEMBER.public_key,
      keys: VECTORS.record_key_wraps
        .filter((item) => generations.includes(item.generation))
        .map((item) => ({ generation: item.generation, wrapped_key: item.wrapped_base64 })),
    },
  };
}

function hubHolding(stored) {
  return {
    async lookup(pairs) {
      const wanted = new Set(pairs.map(([keyId, token]) => `${keyId}:${token}`));
      return { entries: stored.filter((item) => wanted.has(`${item.key_id}:${item.token}`)) };
    },
  };
}

const stored = VECTORS.entries.map((item) => ({
  key_id: item.entry.key_id,
  token: item.entry.token,
  generation: item.generation,
  ciphertext: item.ciphertext_base64,
}));
const pairs = stored.map((item) => [item.key_id, item.token]);

test('a member reads the entries the Python client wrote, under each generation it was granted', async () => {
  const record = new SharedRecord(hubHolding(stored), ORG, hex(MEMBER.private_key), state());
  const found = await record.lookup(pairs);
  assert.deepEqual(
    VECTORS.entries.map((item) => found.get(`${item.entry.key_id}:${item.entry.token}`)),
    VECTORS.entries.map((item) => item.entry),
  );
});

test('entries swapped between tokens are shown as tampered, never as an address', async () => {
  const swapped = [
    { ...stored[0], ciphertext: stored[1].ciphertext, generation: stored[1].generation },
    { ...stored[1], ciphertext: stored[0].ciphertext, generation: stored[0].generation },
  ];
  const record = new SharedRecord(hubHolding(swapped), ORG, hex(MEMBER.private_key), state());
  const found = await record.lookup(pairs);
  assert.ok([...found.values()].every((entry) => entry instanceof Tampered));
});

test('a generation not granted is a clear refusal, and a grant of a key that is not the record\'s is refused', async () => {
  const record = new SharedRecord(hubHolding(stored), ORG, hex(MEMBER.private_key), state([2]));
  await assert.rejects(record.lookup(pairs), SharedRecordError);
  const wrongChecks = { ...state(), key_checks: { 1: '0'.repeat(32), 2: '0'.repeat(32) } };
  assert.throws(() => new SharedRecord(hubHolding(stored), ORG, hex(MEMBER.private_key), wrongChecks), /not the record's/);
});
