/**
 * Screening a list of addresses: the twin of `resolve` and `screen` in client/vigil_client/reporting.py.
 * Each address is resolved in the namespace chosen (or every namespace it is valid in), tokenised
 * in the browser, and checked 1,000 at a time; the screened wallets join the browser's record.
 */
import { AddressError, NAMESPACES, normalise } from '../addresses.js';

export const SCREEN_BATCH = 1_000; // vigil_client.contract.SCREEN_BATCH_MAX

/** `{namespace, canonical}` of an address, or `{error}` naming why it cannot be screened. */
export function resolve(address, namespace = '') {
  if (namespace) {
    try {
      return { namespace, canonical: normalise(namespace, address) };
    } catch (error) {
      if (error instanceof AddressError) return { error: error.message };
      throw error;
    }
  }
  const found = [];
  for (const candidate of NAMESPACES) {
    try {
      found.push({ namespace: candidate, canonical: normalise(candidate, address) });
    } catch (error) {
      if (!(error instanceof AddressError)) throw error;
    }
  }
  if (!found.length) return { error: 'not a valid address in any namespace; choose a namespace for the reason' };
  if (found.length > 1) return { error: `valid in ${found.map((item) => item.namespace).join(', ')}; choose a namespace` };
  return found[0];
}

/** The non-blank lines of a pasted list, each trimmed of its line break only (normalising strips the rest). */
export function addressLines(text) {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim());
}

/**
 * Screen `addresses`; answers in input order, `{address, error}` or `{address, namespace, canonical,
 * result}` with the hub's result. `hub` is pageHub(); `record` the browser's record, to which
 * wallets it does not know yet are added as `screened`.
 */
export async function screenAddresses({ addresses, namespace = '', recordSighting = false, sightingVisibility = 'anonymous', hub, record }) {
  const answers = addresses.map((address) => ({ address, ...resolve(address, namespace) }));
  const key = await hub.currentKey();
  const wanted = answers.filter((answer) => !answer.error);
  for (let start = 0; start < wanted.length; start += SCREEN_BATCH) {
    const chunk = wanted.slice(start, start + SCREEN_BATCH);
    const groups = new Map();
    for (const answer of chunk) groups.set(answer.namespace, [...(groups.get(answer.namespace) ?? []), answer]);
    for (const [ns, items] of groups) {
      const tokens = await hub.tokens(key, ns, items.map((item) => item.canonical));
      items.forEach((item, i) => {
        item.token = tokens[i];
      });
    }
    const reply = await hub.screen({
      key_id: key.keyId,
      tokens: chunk.map((item) => item.token),
      record_sighting: recordSighting,
      sighting_visibility: sightingVisibility,
    });
    chunk.forEach((item, i) => {
      item.result = reply.results[i];
    });
    const known = new Set((await record.wallets()).map((wallet) => `${wallet.key_id}:${wallet.token}`));
    const unknown = chunk.filter((item) => !known.has(`${key.keyId}:${item.token}`));
    const fresh = new Map(unknown.map((item) => [`${item.namespace}:${item.canonical}`, item]));
    await record.save(
      [...fresh.values()].map((item) => ({
        namespace: item.namespace,
        canonical: item.canonical,
        address: item.address.trim(),
        key_id: key.keyId,
        token: item.token,
        report_id: null,
        status: 'screened',
      })),
    );
  }
  return answers;
}

/** Each element's own address from the record's wallets, or null when the record has none. */
export function addressesFor(rows, wallets) {
  const byToken = new Map(wallets.map((wallet) => [`${wallet.key_id}:${wallet.token}`, wallet.address]));
  return rows.map((item) => byToken.get(`${item.keyId}:${item.token}`) ?? null);
}
