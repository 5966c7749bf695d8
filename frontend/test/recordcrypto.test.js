/** The shared record's construction against the vector file the Python client checks too. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as rc from '../src/recordcrypto.js';
import { hex, readJson } from './helpers.js';

const VECTORS = readJson('tests', 'vectors', 'record-crypto.json');
const ORG = VECTORS.organisation;
const toHex = (bytes) => Buffer.from(bytes).toString('hex');

test('associated data is length-prefixed parts after a label', () => {
  for (const item of VECTORS.associated_data) {
    assert.equal(toHex(rc.associatedData(item.label, ...item.parts)), item.hex);
  }
});

test('a private key gives its public key and fingerprint', () => {
  for (const item of VECTORS.keypairs) {
    const publicKey = rc.publicKey(hex(item.private_key));
    assert.equal(toHex(publicKey), item.public_key);
    assert.equal(rc.fingerprint(publicKey), item.fingerprint);
  }
});

test('a record key is sealed to the member as the client seals it, and opened by the member alone', () => {
  for (const item of VECTORS.record_key_wraps) {
    const where = { organisation: ORG, generation: item.generation };
    const wrapped = rc.wrapRecordKey(hex(item.recipient_public_key), hex(item.record_key), {
      ...where,
      ephemeral: hex(item.ephemeral_private_key),
    });
    assert.equal(wrapped, item.wrapped_base64);
    assert.equal(toHex(rc.unwrapRecordKey(hex(item.recipient_private_key), wrapped, where)), item.record_key);
    assert.throws(
      () => rc.unwrapRecordKey(hex(item.recipient_private_key), wrapped, { ...where, generation: item.generation + 1 }),
      rc.TamperedError,
    );
    assert.throws(() => rc.unwrapRecordKey(rc.keypair().privateKey, wrapped, where), rc.TamperedError);
  }
});

test('a key check commits to the generation\'s key', () => {
  for (const item of VECTORS.key_checks) {
    assert.equal(rc.keyCheck(hex(item.record_key), { organisation: ORG, generation: item.generation }), item.key_check);
  }
});

test('an entry encrypts to the client\'s bytes and decrypts back', () => {
  for (const item of VECTORS.entries) {
    const { entry } = item;
    assert.equal(new TextDecoder().decode(rc.entryPlaintext(entry)), item.plaintext);
    const ciphertext = rc.encryptEntry(hex(item.record_key), entry, {
      organisation: ORG,
      generation: item.generation,
      nonce: hex(item.nonce),
    });
    assert.equal(ciphertext, item.ciphertext_base64);
    const where = { organisation: ORG, keyId: entry.key_id, token: entry.token, generation: item.generation };
    assert.deepEqual(rc.decryptEntry(hex(item.record_key), item.ciphertext_base64, where), entry);
  }
});

test('an entry moved to another token, organisation or generation, or changed, is refused as tampered', () => {
  for (const item of VECTORS.tampered_entries) {
    const where = {
      organisation: item.organisation ?? ORG,
      keyId: item.key_id,
      token: item.token,
      generation: item.generation,
    };
    assert.throws(() => rc.decryptEntry(hex(item.record_key), item.ciphertext_base64, where), rc.TamperedError, item.why);
  }
});

test('a private key is wrapped under the passphrase as the client wraps it', async () => {
  for (const item of VECTORS.private_keys) {
    const blob = await rc.wrapPrivateKey(hex(item.private_key), item.passphrase, {
      organisation: ORG,
      salt: hex(item.salt),
      nonce: hex(item.nonce),
    });
    assert.deepEqual(blob, item.blob);
    assert.equal(toHex(await rc.unwrapPrivateKey(item.blob, item.passphrase, { organisation: ORG })), item.private_key);
    await assert.rejects(rc.unwrapPrivateKey(item.blob, `${item.passphrase}!`, { organisation: ORG }), /wrong record passphrase/);
  }
});

test('a blob asking for weaker Argon2id parameters is refused before any work', async () => {
  const [item] = VECTORS.private_keys;
  await assert.rejects(
    rc.unwrapPrivateKey({ ...item.blob, memory: 8192 }, item.passphrase, { organisation: ORG }),
    /outside the accepted range/,
  );
});

test('the recovery secret is the recovery member\'s private key as text', () => {
  for (const item of VECTORS.recovery) {
    assert.equal(rc.recoverySecret(hex(item.private_key)), item.secret);
    assert.equal(toHex(rc.recoveryPrivateKey(` ${item.secret.toUpperCase()} `)), item.private_key);
  }
  assert.throws(() => rc.recoveryPrivateKey('vigil-recovery-abc'), rc.RecordCryptoError);
});
