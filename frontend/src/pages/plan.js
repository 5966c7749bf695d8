/**
 * A report list checked before anything leaves the browser: the twin of `read_rows`, `ReportPlan`
 * and `report` in client/vigil_client/reporting.py. One address a line, or a CSV file with the
 * columns of `vigil report`; every invalid line is named with its reason; batches carry an
 * Idempotency-Key of their run, and a run's progress is kept so an interrupted one resumes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

import { AddressError, normalise } from '../addresses.js';

export const ITEM_FIELDS = Object.freeze([
  'namespace',
  'category',
  'confidence',
  'first_seen',
  'last_seen',
  'value_amount',
  'value_currency',
  'reference',
]);
export const POLICY_FIELDS = Object.freeze([
  'visibility',
  'tlp',
  'expires_at',
  'audience_sectors',
  'audience_include',
  'audience_exclude',
  'sighting_alerts',
]);
export const LIST_FIELDS = Object.freeze(['audience_sectors', 'audience_include', 'audience_exclude']);
export const COLUMNS = Object.freeze(['address', ...ITEM_FIELDS, ...POLICY_FIELDS]);
export const REPORT_BATCH = 1_000;
export const REPORT_BATCH_MAX = 10_000; // vigil_client.contract.REPORT_BATCH_MAX, as the page is given it
const REFERENCE_MAX_LENGTH = 500;
const CURRENCY_MAX_LENGTH = 12;

/** The file as a whole cannot be read (a bad header, no wallet): not one line's fault. */
export class PlanError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PlanError';
  }
}

const choice = (choices) => (text) => {
  if (!choices.includes(text)) throw new Error(`must be one of ${choices.join(', ')}`);
  return text;
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

function realDate(text) {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An ISO 8601 date (its start, UTC) or a date-time with a zone, as the CLI accepts them. */
export function parseDatetime(text) {
  if (realDate(text)) return `${text}T00:00:00+00:00`;
  const match = DATETIME.exec(text);
  if (!match || !realDate(match[1]) || Number(match[2]) > 23 || Number(match[3]) > 59 || Number(match[4] ?? 0) > 59) {
    throw new Error('must be an ISO 8601 date or date-time');
  }
  const [, day, hours, minutes, seconds = '00', fraction, zone] = match;
  if (!zone) throw new Error('needs a time zone, e.g. 2024-05-01T12:00:00Z');
  const offset = zone === 'Z' ? '+00:00' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return `${day}T${hours}:${minutes}:${seconds}${fraction ? `.${fraction.padEnd(6, '0')}` : ''}${offset}`;
}

const future = (now) => (text) => {
  const value = parseDatetime(text);
  if (Date.parse(value) <= now.getTime()) throw new Error('must be in the future');
  return value;
};

const bounded = (length) => (text) => {
  if (text.length > length) throw new Error(`must be at most ${length} characters`);
  return text;
};

function amount(text) {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error('must be a number');
  if (Number(text) < 0 || text.startsWith('-')) throw new Error('must be a number of at least 0');
  return text;
}

const WORDS = { true: true, yes: true, 1: true, false: false, no: false, 0: false };
function boolean(text) {
  const word = text.toLowerCase();
  if (!Object.hasOwn(WORDS, word)) throw new Error('must be true or false');
  return WORDS[word];
}

/**
 * A report field from its text, as `parse_field` reads it; lists are `separator`-separated.
 * `vocabulary` holds the contract's choices (namespace, category, confidence, visibility, tlp,
 * sector), which the page is given by the hub. Throws Error naming the field.
 */
export function parseField(name, text, vocabulary, { separator = ';', now = new Date() } = {}) {
  const parsers = {
    namespace: choice(vocabulary.namespace),
    category: choice(vocabulary.category),
    confidence: choice(vocabulary.confidence),
    first_seen: parseDatetime,
    last_seen: parseDatetime,
    value_amount: amount,
    value_currency: bounded(CURRENCY_MAX_LENGTH),
    reference: bounded(REFERENCE_MAX_LENGTH),
    visibility: choice(vocabulary.visibility),
    tlp: choice(vocabulary.tlp),
    expires_at: future(now),
    sighting_alerts: boolean,
  };
  try {
    if (!LIST_FIELDS.includes(name)) return parsers[name](text);
    const items = [...new Set(text.split(separator).map((item) => item.trim()).filter(Boolean))].sort();
    if (name === 'audience_sectors') items.forEach(choice(vocabulary.sector));
    return items;
  } catch (error) {
    throw new Error(`${name} ${error.message}`);
  }
}

/**
 * CSV records as Python's csv module reads them: quoted cells may hold commas, quotes ("") and
 * line breaks. Each record has its cells, `line` (the line it ends on, as the CLI counts) and the
 * `start`/`end` offsets of its text including its line break, so that a line can be dropped.
 */
export function parseCsv(text) {
  const records = [];
  let cells = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 0;
  let atCellStart = true;
  const endRecord = (end) => {
    cells.push(cell);
    records.push({ cells, line, start, end });
    cells = [];
    cell = '';
    atCellStart = true;
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        cell += char;
      }
    } else if (char === '"' && atCellStart) {
      quoted = true;
      atCellStart = false;
    } else if (char === ',') {
      cells.push(cell);
      cell = '';
      atCellStart = true;
    } else if (char === '\r' || char === '\n') {
      const end = char === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
      endRecord(end);
      line++;
      i = end - 1;
    } else {
      cell += char;
      atCellStart = false;
    }
  }
  if (cells.length || cell || start < text.length) endRecord(text.length);
  return records;
}

/** CSV when the first line has a comma and names "address", else one address a line (as the CLI decides). */
export function isCsv(text) {
  const first = text.split('\n', 1)[0];
  return first.includes(',') && first.toLowerCase().includes('address');
}

function lineRecords(text) {
  const records = [];
  const pattern = /[^\n]*(\n|$)/g;
  let line = 0;
  for (const match of text.matchAll(pattern)) {
    if (match[0] === '' && match.index >= text.length) break;
    line++;
    records.push({ cells: [match[0].replace(/\r?\n$/, '')], line, start: match.index, end: match.index + match[0].length });
  }
  return records;
}

function row(line, cells, options) {
  const address = cells.address ?? '';
  const { values: batch = {}, vocabulary, now } = options;
  let values;
  let given;
  let canonical;
  try {
    given = {};
    for (const [name, text] of Object.entries(cells)) {
      if (name !== 'address' && text.trim()) given[name] = parseField(name, text.trim(), vocabulary, { now });
    }
    values = { ...batch, ...given };
    for (const name of ['namespace', 'category']) {
      if (!(name in values)) throw new Error(`no ${name}: choose one above or give a ${name} column`);
    }
    canonical = normalise(values.namespace, address);
  } catch (error) {
    return { line, address, error: error.message };
  }
  if ('first_seen' in values && 'last_seen' in values && Date.parse(values.first_seen) > Date.parse(values.last_seen)) {
    return { line, address, error: 'last_seen is before first_seen' };
  }
  if ('value_amount' in values !== 'value_currency' in values) {
    return { line, address, error: 'give value_amount and value_currency together' };
  }
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  return {
    line,
    address,
    namespace: values.namespace,
    canonical,
    item: Object.fromEntries(ITEM_FIELDS.filter((name) => name in values).map((name) => [name, values[name]])),
    policy: Object.fromEntries(
      Object.entries(given).filter(([name, value]) => POLICY_FIELDS.includes(name) && !same(batch[name], value)),
    ),
  };
}

/**
 * Every line of `text` in order, each a row `{line, address, namespace, canonical, item, policy}` or
 * an invalid line `{line, address, error}`, with the `start`/`end` of its text. `options` is
 * `{values, vocabulary, now}`: batch-wide values already parsed, which a CSV cell overrides.
 */
export function readRows(text, options) {
  if (!isCsv(text)) {
    return lineRecords(text)
      .filter((record) => record.cells[0].trim())
      .map((record) => ({ ...row(record.line, { address: record.cells[0] }, options), start: record.start, end: record.end }));
  }
  const [head, ...records] = parseCsv(text);
  const header = head.cells.map((name) => name.trim().toLowerCase());
  const unknown = header.filter((name) => !COLUMNS.includes(name));
  if (unknown.length || !header.includes('address') || new Set(header).size !== header.length) {
    throw new PlanError(
      `the CSV header must name an address column, each column once, from: ${COLUMNS.join(', ')}` +
        (unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''),
    );
  }
  return records
    .filter((record) => record.cells.some((cell) => cell.trim()))
    .map((record) => {
      const where = { start: record.start, end: record.end };
      if (record.cells.length > header.length) {
        return {
          line: record.line,
          address: record.cells[0],
          error: `${record.cells.length} cells for ${header.length} columns`,
          ...where,
        };
      }
      const cells = Object.fromEntries(record.cells.map((cell, i) => [header[i], cell]));
      return { ...row(record.line, cells, options), ...where };
    });
}

/**
 * The list checked whole, sending nothing: `{rows, invalid}` where `rows` are the valid wallets
 * (each once) and `invalid` every line to fix or drop, a repeated wallet included.
 */
export function checkList(text, options) {
  const rows = [];
  const invalid = [];
  const seen = new Map();
  for (const item of readRows(text, options)) {
    if (item.error) invalid.push(item);
    else if (seen.has(`${item.namespace}:${item.canonical}`)) {
      invalid.push({ ...item, error: `the same wallet as line ${seen.get(`${item.namespace}:${item.canonical}`)}` });
    } else {
      seen.set(`${item.namespace}:${item.canonical}`, item.line);
      rows.push(item);
    }
  }
  return { rows, invalid };
}

/** `text` without the lines of `invalid` (each with its `start`/`end`), for "drop invalid lines". */
export function dropLines(text, invalid) {
  const spans = [...invalid].sort((a, b) => a.start - b.start);
  let kept = '';
  let from = 0;
  for (const span of spans) {
    kept += text.slice(from, span.start);
    from = Math.max(from, span.end);
  }
  return kept + text.slice(from);
}

/** Rows in batches of `size`. */
export function batches(rows, size) {
  if (!(Number.isInteger(size) && size >= 1 && size <= REPORT_BATCH_MAX)) {
    throw new RangeError(`batch size must be between 1 and ${REPORT_BATCH_MAX}`);
  }
  const out = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** A batch's Idempotency-Key, as the CLI names it: a resumed run sends each batch under its first key. */
export function idempotencyKey(runId, number) {
  return `vigil-report-${runId}-${number}`;
}

export const newRunId = () => bytesToHex(randomBytes(8));

const sortedJson = (value) =>
  Array.isArray(value)
    ? `[${value.map(sortedJson).join(',')}]`
    : value && typeof value === 'object'
      ? `{${Object.keys(value)
          .sort()
          .map((key) => `${JSON.stringify(key)}:${sortedJson(value[key])}`)
          .join(',')}}`
      : JSON.stringify(value);

/** One list with one set of choices gives one fingerprint: the key its interrupted run is found by. */
export function fingerprint(text, values, batchSize) {
  return bytesToHex(sha256(utf8ToBytes(`vigil-report-1\n${sortedJson({ values, batch_size: batchSize })}\n${text}`)));
}

/** The body of one batch: the rows' tokens under the run's key, each row's own fields and policy. */
export function batchBody(rows, tokens, keyId, policy) {
  const items = rows.map((item) => ({
    token: tokens.get(`${item.namespace}:${item.canonical}`),
    key_id: keyId,
    ...item.item,
    ...(Object.keys(item.policy).length ? { policy: item.policy } : {}),
  }));
  return { items, ...(Object.keys(policy).length ? { policy } : {}) };
}

/**
 * Runs kept in `storage` (localStorage, or a stand-in with getItem/setItem/removeItem), one per
 * organisation and fingerprint: the run id, its key, and each acknowledged batch's counts.
 */
export function runStore(storage, organisation) {
  const name = (print) => `vigil-report-run:${organisation}:${print}`;
  const read = (print) => {
    try {
      return JSON.parse(storage.getItem(name(print)) ?? 'null');
    } catch {
      return null;
    }
  };
  return {
    get: read,
    start(print, { runId, keyId, batches: count }) {
      const run = { runId, keyId, batches: count, acknowledged: {} };
      storage.setItem(name(print), JSON.stringify(run));
      return run;
    },
    acknowledge(print, number, ack) {
      const run = read(print);
      run.acknowledged[number] = ack;
      storage.setItem(name(print), JSON.stringify(run));
      return run;
    },
    finish(print) {
      storage.removeItem(name(print));
    },
  };
}

/**
 * Report checked rows in batches, resuming the run of the same fingerprint unless `restart`.
 * `hub` is `{currentKey(), usableKey(keyId), tokens(key, namespace, canonicals), report(body, idempotencyKey)}`;
 * `record` is the browser's record. Each batch's wallets are saved to the record before it is sent
 * (a crash after the hub stored it leaves their tokens known) and again with the hub's report ids.
 */
export async function submitReport({ rows, policy, batchSize, print, runs, hub, record, restart = false, onProgress }) {
  const plan = batches(rows, batchSize);
  let run = restart ? null : runs.get(print);
  const resumed = Boolean(run);
  let key;
  if (run) {
    key = await hub.usableKey(run.keyId);
    if (!key) throw new PlanError(`the hub has retired key ${run.keyId}, which this run used; start over`);
  } else {
    key = await hub.currentKey();
    run = runs.start(print, { runId: newRunId(), keyId: key.keyId, batches: plan.length });
  }
  let firstSent = null;
  let done = 0;
  for (const [index, batch] of plan.entries()) {
    const number = index + 1;
    if (!run.acknowledged[number]) {
      const tokens = new Map();
      const byNamespace = new Map();
      for (const item of batch) byNamespace.set(item.namespace, [...(byNamespace.get(item.namespace) ?? []), item]);
      for (const [namespace, items] of byNamespace) {
        const made = await hub.tokens(key, namespace, items.map((item) => item.canonical));
        items.forEach((item, i) => tokens.set(`${namespace}:${item.canonical}`, made[i]));
      }
      const wallet = (item, extra) => ({
        namespace: item.namespace,
        canonical: item.canonical,
        address: item.address,
        key_id: key.keyId,
        token: tokens.get(`${item.namespace}:${item.canonical}`),
        ...extra,
      });
      await record.save(batch.map((item) => wallet(item, { report_id: null, status: 'pending' })));
      const body = batchBody(batch, tokens, key.keyId, policy);
      const answer = await hub.report(body, idempotencyKey(run.runId, number));
      const reports = answer.reports ?? [];
      if (reports.map((report) => report.token).join() !== body.items.map((item) => item.token).join()) {
        throw new PlanError("the hub's answer does not list the reports that were sent");
      }
      await record.save(batch.map((item, i) => wallet(item, { report_id: reports[i].id, status: 'reported' })));
      run = runs.acknowledge(print, number, { created: answer.created, updated: answer.updated, matched: answer.matched });
      firstSent ??= number;
    }
    done += batch.length;
    onProgress?.({ done, total: rows.length, batch: number, batches: plan.length });
  }
  runs.finish(print);
  const acks = Object.values(run.acknowledged);
  const sum = (field) => acks.reduce((total, ack) => total + ack[field], 0);
  return {
    runId: run.runId,
    resumed,
    batches: plan.length,
    firstSent,
    created: sum('created'),
    updated: sum('updated'),
    matched: sum('matched'),
  };
}
