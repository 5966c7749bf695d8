/** The browser's record reads and writes the CLI's vigil-record files: same checks, same bytes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { Record, RecordError, dumpDocument, mergeWallet } from '../src/record.js';
import { REPO } from './helpers.js';

// Written by the Python client's export (tests/client/test_record.py keeps it so).
const SAMPLE_TEXT = readFileSync(join(REPO, 'tests', 'vectors', 'record-sample.json'), 'utf8');
const sample = () => JSON.parse(SAMPLE_TEXT);
const ORG = 'alpha-bank';

/** The storage a Record needs, in memory, keyed like the IndexedDB store. */
function memoryBackend() {
  const rows = new Map();
  const key = (wallet) => JSON.stringify([wallet.namespace, wallet.canonical, wallet.key_id]);
  return {
    rows,
    async getAll() {
      return [...rows.values()].map((wallet) => ({ ...wallet }));
    },
    async putAll(wallets) {
      for (const wallet of wallets) rows.set(key(wallet), { ...wallet });
    },
  };
}

const record = (organisation = ORG) => new Record(organisation, memoryBackend());

describe('a file written by the Python client', () => {
  test('imports whole, and exports again byte for byte', async () => {
    const mine = record();
    assert.deepEqual(await mine.importText(SAMPLE_TEXT), { added: 3, updated: 0, unchanged: 0 });
    assert.equal(dumpDocument(await mine.exportDocument()), SAMPLE_TEXT);
    const evm = await mine.walletForToken(
      'bc68814ba180bc94',
      '99dfd7cf1334d0b47cdf7d23cc237df42083723fd6884b52036780343cd4c183',
    );
    assert.equal(evm.address, '0x52908400098527886E0F7030069857D2E4169EE7');
  });

  test('imported twice changes nothing the second time', async () => {
    const mine = record();
    await mine.importText(SAMPLE_TEXT);
    assert.deepEqual(await mine.importText(SAMPLE_TEXT), { added: 0, updated: 0, unchanged: 3 });
  });

  test('merges without losing what the record knew', async () => {
    const [bch, btc, evm] = sample().wallets;
    const legacy = '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH';
    const localOnly = { ...btc, canonical: legacy, address: legacy, token: 'cd'.repeat(32), report_id: null };
    const mine = record();
    await mine.save([
      { ...btc, address: btc.canonical, report_id: null, status: 'pending' },
      { ...evm, report_id: 'rpt_local', status: 'reported' },
      localOnly,
    ]);
    assert.deepEqual(await mine.importDocument(sample()), { added: 1, updated: 1, unchanged: 1 });
    assert.deepEqual(await mine.wallets(), [
      bch,
      localOnly,
      { ...btc, address: btc.canonical },
      { ...evm, report_id: 'rpt_local', status: 'reported' },
    ]);
  });

  test("is refused by another organisation's record, which stays empty", async () => {
    const theirs = record('beta-exchange');
    await assert.rejects(theirs.importText(SAMPLE_TEXT), {
      name: 'RecordError',
      message: "the file is the record of organisation 'alpha-bank', not of 'beta-exchange'; refusing it",
    });
    assert.deepEqual(await theirs.wallets(), []);
  });
});

describe('malformed files are refused whole, with the messages the CLI gives', () => {
  const spoilt = (change) => {
    const document = sample();
    change(document);
    return document;
  };
  const cases = [
    ['not a list', [], 'not a vigil-record file'],
    ['another format', spoilt((d) => (d.format = 'vigil-records')), 'not a vigil-record file'],
    ['a newer version', spoilt((d) => (d.version = 2)), 'vigil-record version 2; this client reads version 1'],
    ['a boolean version', spoilt((d) => (d.version = true)), 'vigil-record version True; this client reads version 1'],
    [
      'an extra field',
      spoilt((d) => (d.extra = 1)),
      'a vigil-record file has exactly the fields format, organisation, version, wallets',
    ],
    ['wallets not a list', spoilt((d) => (d.wallets = {})), 'wallets must be a list'],
    [
      'an upper-case token',
      spoilt((d) => (d.wallets[0].token = 'AB'.repeat(32))),
      'wallet 0: key_id is 16 and token 64 lowercase hex characters',
    ],
    [
      'a numeric report id',
      spoilt((d) => (d.wallets[1].report_id = 42)),
      'wallet 1: report_id is a non-empty string or null',
    ],
    ['an unknown namespace', spoilt((d) => (d.wallets[2].namespace = 'eth')), "wallet 2: unknown namespace 'eth'"],
    [
      'a canonical form that is not canonical',
      spoilt((d) => (d.wallets[1].canonical = d.wallets[1].address)),
      'wallet 1: the address and its canonical form are not one btc wallet',
    ],
    [
      'an address of another wallet',
      spoilt((d) => (d.wallets[1].address = '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH')),
      'wallet 1: the address and its canonical form are not one btc wallet',
    ],
    [
      'an invalid address',
      spoilt((d) => (d.wallets[1].canonical = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5')),
      'wallet 1: bech32 checksum does not match',
    ],
    [
      'a wallet listed twice',
      spoilt((d) => d.wallets.push(d.wallets[0])),
      'wallet 3: the same wallet and key appear twice',
    ],
  ];
  for (const [name, document, message] of cases) {
    test(name, async () => {
      const mine = record();
      await assert.rejects(mine.importDocument(document), (error) => {
        assert.ok(error instanceof RecordError);
        assert.equal(error.message, message);
        return true;
      });
      assert.deepEqual(await mine.wallets(), []);
    });
  }

  test('text that is not JSON', async () => {
    await assert.rejects(record().importText('\u00ff not json'), /^RecordError: not a JSON file/);
  });

  test('a different token for a known wallet refuses the whole file', async () => {
    const [, , evm] = sample().wallets;
    const mine = record();
    await mine.save([{ ...evm, token: 'ef'.repeat(32) }]);
    await assert.rejects(mine.importDocument(sample()), /token under key bc68814ba180bc94 differs/);
    assert.equal((await mine.wallets()).length, 1);
  });
});

test('merging takes the report id and status only when the record lacks them', () => {
  const [, btc] = sample().wallets;
  const pending = { ...btc, report_id: null, status: 'pending' };
  assert.deepEqual(mergeWallet(undefined, btc), btc);
  assert.deepEqual(mergeWallet(pending, btc), btc);
  assert.deepEqual(mergeWallet(btc, pending), btc);
});
