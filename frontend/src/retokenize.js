/**
 * Re-tokenise the organisation's active reports under the hub's current OPRF key, from the shared
 * record: the twin of client/vigil_client/retokenize.py, with the same Idempotency-Key per batch, so
 * a run the portal or the CLI left half-way is finished by either.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

import { Tampered } from './shared.js';

export const BATCH = 500;
const ITEM_FIELDS = ['namespace', 'category', 'confidence', 'first_seen', 'last_seen', 'value_amount', 'value_currency', 'reference'];

export function idempotencyKey(reportIds) {
  return `vigil-retokenize-${bytesToHex(sha256(utf8ToBytes([...reportIds].sort().join('\n')))).slice(0, 32)}`;
}

function item(report, token, keyId) {
  const fields = Object.fromEntries(ITEM_FIELDS.filter((n) => report[n] !== null && report[n] !== '').map((n) => [n, report[n]]));
  const policy = Object.fromEntries(Object.entries(report.policy).filter(([, value]) => value !== null));
  return { token, key_id: keyId, ...fields, policy };
}

/**
 * `pages` is pageHub() (key, tokens, report), `records` recordHub() (reports, withdraw), `record`
 * the open SharedRecord. Returns {retokenised, missing: [report ids the record has no address for]}.
 */
export async function retokenize({ pages, records, record, onProgress = () => {} }) {
  const key = await pages.currentKey();
  const stale = (await records.reports()).filter((report) => report.key_id !== key.keyId);
  let retokenised = 0;
  const missing = [];
  for (let i = 0; i < stale.length; i += BATCH) {
    const chunk = stale.slice(i, i + BATCH);
    const found = await record.lookup(chunk.map((report) => [report.key_id, report.token]));
    const movable = [];
    for (const report of chunk) {
      const entry = found.get(`${report.key_id}:${report.token}`);
      if (entry && !(entry instanceof Tampered)) movable.push({ report, entry });
      else missing.push(report.id);
    }
    if (!movable.length) continue;
    const tokens = new Map();
    for (const namespace of new Set(movable.map(({ entry }) => entry.namespace))) {
      const group = movable.filter(({ entry }) => entry.namespace === namespace);
      const made = await pages.tokens(key, namespace, group.map(({ entry }) => entry.canonical));
      group.forEach(({ report }, n) => tokens.set(report.id, made[n]));
    }
    const moved = (status, ids = {}) =>
      movable.map(({ report, entry }) => ({
        ...entry,
        key_id: key.keyId,
        token: tokens.get(report.id),
        report_id: ids[tokens.get(report.id)] ?? null,
        status,
      }));
    // Saved first: a tab closed after the hub took the batch still leaves the new tokens' addresses on record.
    await record.save(moved('pending'));
    const answer = await pages.report(
      { items: movable.map(({ report }) => item(report, tokens.get(report.id), key.keyId)) },
      idempotencyKey(movable.map(({ report }) => report.id)),
    );
    for (const { report } of movable) await records.withdraw(report.id);
    const ids = Object.fromEntries(answer.reports.map((report) => [report.token, report.id]));
    await record.save([...moved('reported', ids), ...movable.map(({ entry }) => ({ ...entry, status: 'withdrawn' }))]);
    retokenised += movable.length;
    onProgress(retokenised, stale.length);
  }
  return { retokenised, missing };
}
