/** The pages' pure logic: CSV and list checking, dropping lines, batches, idempotency keys, resumed runs, screening. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { hexToBytes } from '@noble/hashes/utils.js';

import { hubClient } from '../src/oprf.js';
import {
  PlanError,
  batches,
  checkList,
  dropLines,
  fingerprint,
  idempotencyKey,
  parseCsv,
  parseDatetime,
  runStore,
  submitReport,
} from '../src/pages/plan.js';
import { addressLines, addressesFor, resolve, screenAddresses } from '../src/pages/screening.js';
import { Record } from '../src/record.js';
import { localEvaluator, readJson } from './helpers.js';

const PYTHON = readJson('tests', 'vectors', 'address-tokens.json');
const VOCABULARY = {
  namespace: ['btc', 'evm', 'trx', 'ltc', 'bch', 'doge', 'xmr', 'sol'],
  category: ['osec_payment', 'csam_marketplace', 'sextortion', 'trafficking', 'grooming', 'other'],
  confidence: ['low', 'medium', 'high'],
  visibility: ['named', 'anonymous', 'silent'],
  tlp: ['clear', 'green', 'amber', 'amber+strict', 'red'],
  sector: ['bank', 'exchange', 'payment_provider', 'ngo', 'law_enforcement', 'regulator', 'other'],
};
const BTC = '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH';
const EVM = '0x52908400098527886E0F7030069857D2E4169EE7';
const OPTIONS = { values: { namespace: 'btc', category: 'sextortion' }, vocabulary: VOCABULARY };

test('CSV cells may quote commas, quotes and line breaks; each record knows its line and its text', () => {
  const text = 'address,reference\r\n"1A,b","say ""hi""\nthere"\n\nlast,x';
  const records = parseCsv(text);
  assert.deepEqual(
    records.map((r) => r.cells),
    [['address', 'reference'], ['1A,b', 'say "hi"\nthere'], [''], ['last', 'x']],
  );
  assert.deepEqual(records.map((r) => r.line), [1, 3, 4, 5]);
  assert.equal(records.map((r) => text.slice(r.start, r.end)).join(''), text);
});

test('a pasted list shows every invalid line with its reason and counts the valid ones', () => {
  const { rows, invalid } = checkList(`${BTC}\n\n  bitcoin:${BTC}?amount=1\n1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMX\n`, OPTIONS);
  assert.equal(rows.length, 1);
  assert.deepEqual(
    invalid.map((line) => [line.line, line.error]),
    [
      [3, 'the same wallet as line 1'],
      [4, invalid[1].error],
    ],
  );
  assert.match(invalid[1].error, /checksum/);
});

test('a CSV file with the columns of vigil report overrides the page per row, and names bad cells', () => {
  const text = [
    'address,namespace,category,visibility,audience_sectors,value_amount,value_currency,first_seen',
    `${EVM},evm,,silent,bank;ngo,1.5,ETH,2024-05-01`,
    `${BTC},,trafficking,,,,,`,
    `${BTC.toLowerCase()},,,,,,,`,
    `${BTC}x,,,,,,,2024-05-01T10:00`,
  ].join('\n');
  const { rows, invalid } = checkList(text, OPTIONS);
  assert.deepEqual(rows[0].item, {
    namespace: 'evm',
    category: 'sextortion',
    first_seen: '2024-05-01T00:00:00+00:00',
    value_amount: '1.5',
    value_currency: 'ETH',
  });
  assert.equal(rows[0].canonical, EVM.toLowerCase());
  assert.deepEqual(rows[0].policy, { visibility: 'silent', audience_sectors: ['bank', 'ngo'] });
  assert.equal(rows[1].item.category, 'trafficking');
  assert.deepEqual(invalid.map((line) => line.line), [4, 5]);
  assert.equal(invalid[1].error, 'first_seen needs a time zone, e.g. 2024-05-01T12:00:00Z');
});

test('a CSV header naming an unknown column refuses the whole file', () => {
  assert.throws(() => checkList('address,colour\nx,y', OPTIONS), PlanError);
});

test('no namespace or category anywhere is an invalid line, not a guess', () => {
  const { invalid } = checkList(BTC, { values: { category: 'other' }, vocabulary: VOCABULARY });
  assert.match(invalid[0].error, /^no namespace/);
});

test('dropping invalid lines keeps every other line byte for byte', () => {
  const text = `address,category\r\n${BTC},other\r\nnope,other\r\n"${EVM}",other\r\n`;
  const { invalid } = checkList(text, { values: { namespace: 'btc' }, vocabulary: VOCABULARY });
  assert.equal(invalid.length, 2);
  assert.equal(dropLines(text, invalid), `address,category\r\n${BTC},other\r\n`);
  const list = `${BTC}\nbad\n${EVM}`;
  assert.equal(dropLines(list, checkList(list, OPTIONS).invalid), `${BTC}\n`);
});

test('dates are ISO 8601 with a zone; expiry must be in the future', () => {
  assert.equal(parseDatetime('2024-05-01T12:30Z'), '2024-05-01T12:30:00+00:00');
  assert.equal(parseDatetime('2024-05-01 12:30:01.5+0200'), '2024-05-01T12:30:01.500000+02:00');
  assert.throws(() => parseDatetime('2024-02-30'), /ISO 8601/);
  const { invalid } = checkList(`address,expires_at\n${BTC},2001-01-01`, OPTIONS);
  assert.equal(invalid[0].error, 'expires_at must be in the future');
});

test('batches and their idempotency keys: fixed by the run, numbered from 1', () => {
  assert.deepEqual(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.throws(() => batches([1], 0), RangeError);
  assert.equal(idempotencyKey('00ff00ff00ff00ff', 3), 'vigil-report-00ff00ff00ff00ff-3');
  assert.equal(fingerprint('a', { b: 1, a: 2 }, 5), fingerprint('a', { a: 2, b: 1 }, 5));
  assert.notEqual(fingerprint('a', {}, 5), fingerprint('a', {}, 6));
});

function memoryStorage() {
  const map = new Map();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => map.set(k, v), removeItem: (k) => map.delete(k) };
}

function memoryRecord() {
  const rows = new Map();
  const id = (w) => JSON.stringify([w.namespace, w.canonical, w.key_id]);
  return new Record('alpha', {
    getAll: async () => [...rows.values()].map((w) => ({ ...w })),
    putAll: async (wallets) => wallets.forEach((w) => rows.set(id(w), { ...w })),
  });
}

/** The hub's OPRF under the Python vectors' key, and a report endpoint that can fail once. */
function fakeHub({ failOn = null } = {}) {
  const { secret_key: secret, public_key: pub, key_id: keyId } = PYTHON.key;
  const evaluate = localEvaluator(hexToBytes(secret), hexToBytes(pub), keyId);
  const key = { keyId, publicKey: hexToBytes(pub), status: 'current' };
  const sent = [];
  let failed = false;
  const hub = {
    sent,
    currentKey: async () => key,
    usableKey: async (id) => (id === keyId ? key : null),
    async tokens(k, namespace, canonicals) {
      const { tokenize } = await import('../src/oprf.js');
      return (await tokenize(namespace, canonicals, { key: k, evaluate })).map((r) => r.token);
    },
    async report(body, idempotency) {
      sent.push({ body: JSON.stringify(body), idempotency });
      if (failOn === sent.length && !failed) {
        failed = true;
        throw new Error('connection reset');
      }
      return {
        created: body.items.length,
        updated: 0,
        matched: 0,
        reports: body.items.map((item, index) => ({ index, id: `r${item.token.slice(0, 6)}`, token: item.token })),
      };
    },
  };
  return hub;
}

test('an interrupted submission resumes under the same run, key and idempotency keys, and records report ids', async () => {
  const vectors = PYTHON.tokens.filter((entry) => entry.namespace === 'btc').slice(0, 5);
  const text = vectors.map((entry) => entry.input).join('\n');
  const { rows } = checkList(text, OPTIONS);
  const runs = runStore(memoryStorage(), 'alpha');
  const record = memoryRecord();
  const hub = fakeHub({ failOn: 2 });
  const plan = { rows, policy: { visibility: 'silent' }, batchSize: 2, print: fingerprint(text, OPTIONS.values, 2), runs, hub, record };
  await assert.rejects(submitReport(plan), /connection reset/);
  assert.equal(Object.keys(runs.get(plan.print).acknowledged).length, 1);
  const outcome = await submitReport(plan);
  assert.equal(outcome.resumed, true);
  assert.equal(outcome.firstSent, 2);
  assert.equal(outcome.created, 5);
  const keys = hub.sent.map((request) => request.idempotency);
  assert.equal(keys[1], keys[2], 'the failed batch is re-sent under its first key');
  assert.equal(hub.sent[1].body, hub.sent[2].body, 'and with the same body');
  assert.deepEqual(new Set(keys).size, 3);
  assert.equal(runs.get(plan.print), null, 'a finished run is forgotten');
  const wallets = await record.wallets();
  assert.deepEqual(
    wallets.map((w) => [w.canonical, w.token, w.status]).sort(),
    vectors.map((entry) => [entry.canonical, entry.token, 'reported']).sort(),
  );
  assert.ok(wallets.every((w) => w.report_id === `r${w.token.slice(0, 6)}`));
  for (const request of hub.sent) {
    const body = JSON.parse(request.body);
    assert.deepEqual(body.policy, { visibility: 'silent' });
    for (const entry of vectors) assert.ok(!request.body.includes(entry.canonical) && !request.body.includes(entry.input));
  }
});

test('screening resolves each address, answers in order, and adds unknown wallets to the record', async () => {
  const [first] = PYTHON.tokens.filter((entry) => entry.namespace === 'evm');
  const hub = fakeHub();
  const screened = [];
  hub.screen = async (body) => {
    screened.push(body);
    return { results: body.tokens.map((token) => ({ token, reported: false, categories: [], counterparts: [] })) };
  };
  const record = memoryRecord();
  const answers = await screenAddresses({ addresses: addressLines(`${first.input}\r\n\n0xnope\n`), hub, record });
  assert.equal(answers.length, 2);
  assert.equal(answers[0].token, first.token);
  assert.match(answers[1].error, /any namespace/);
  assert.deepEqual(screened[0], { key_id: PYTHON.key.key_id, tokens: [first.token], record_sighting: false, sighting_visibility: 'anonymous' });
  const [wallet] = await record.wallets();
  assert.equal(wallet.status, 'screened');
  assert.deepEqual(addressesFor([{ token: first.token, keyId: PYTHON.key.key_id }, { token: 'ab', keyId: 'x' }], [wallet]), [first.input, null]);
});

test('an address valid in several namespaces must be given one', () => {
  assert.match(resolve(BTC).error, /^valid in btc, .*; choose a namespace$/);
  assert.deepEqual(resolve(BTC, 'btc'), { namespace: 'btc', canonical: BTC });
  assert.deepEqual(resolve(EVM), { namespace: 'evm', canonical: EVM.toLowerCase() });
  assert.match(resolve('nope', 'btc').error, /./);
});

test('hubClient is what the pages build on', () => assert.equal(typeof hubClient().evaluate, 'function'));
