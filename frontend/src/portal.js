/**
 * The portal's in-browser code, bundled into apps/portal/static/portal/vigil.js. It sets
 * `window.Vigil` for the page's own (non-inline) scripts; nothing else is global, nothing is
 * evaluated from strings, so it runs under a strict Content-Security-Policy.
 *
 *   Vigil.normalise(namespace, address)    canonical form, or throws Vigil.AddressError (.reason)
 *   Vigil.tokenize(namespace, addresses)   Promise of [{address, canonical, token} | {address, reason, error}]:
 *                                          blinded here, evaluated by the hub under its current key, the
 *                                          proof verified, unblinded here; throws Vigil.ProofError if the
 *                                          hub's proof fails. Options: {baseUrl, csrfToken, batchSize,
 *                                          trusteeKeys: {trustee name: API key} for a split key}.
 *   Vigil.openRecord(organisationSlug)     the browser's token → address record (IndexedDB), with
 *                                          exportDocument(), importText(text), wallets(), save(wallets)
 *   Vigil.dumpDocument(document)           the vigil-record file text, as `vigil record export` writes it
 *   Vigil.NAMESPACES, Vigil.REASONS        the namespaces and refusal reasons, for forms and messages
 *
 * The CSRF token for the hub's POST comes from options.csrfToken, else <meta name="csrf-token">,
 * else Django's csrftoken cookie.
 *
 * Pages with a `data-vigil-page` element (report, screen, matches, record, trustee keys) are activated once the
 * document is parsed: their modules are in src/pages/.
 */
import { AddressError, NAMESPACES, REASONS, normalise } from './addresses.js';
import { HubError, ProofError, TrusteeQuorumError, hubClient, tokenize as tokenizeWith, trusteeEvaluators } from './oprf.js';
import { activate } from './pages/index.js';
import { RecordError, dumpDocument, openRecord } from './record.js';

function csrfToken() {
  const doc = globalThis.document;
  if (!doc) return '';
  const meta = doc.querySelector?.('meta[name="csrf-token"]')?.getAttribute('content');
  if (meta) return meta;
  const cookie = (doc.cookie ?? '').split('; ').find((pair) => pair.startsWith('csrftoken='));
  return cookie ? decodeURIComponent(cookie.slice('csrftoken='.length)) : '';
}

/**
 * Tokens of `addresses` under the hub's current key, as the signed-in member; for a key split among
 * trustees, `trusteeKeys` maps trustee names to the organisation's API keys at them.
 */
async function tokenize(namespace, addresses, { baseUrl = '/api/v1', csrfToken: token, batchSize, fetchImpl, trusteeKeys = {} } = {}) {
  const hub = hubClient({ baseUrl, csrfToken: token ?? csrfToken(), fetchImpl });
  const key = await hub.currentKey();
  const trustees = trusteeEvaluators(key, trusteeKeys, { fetchImpl });
  const results = await tokenizeWith(namespace, addresses, { key, evaluate: hub.evaluate.bind(hub), trustees, batchSize });
  return results.map((result) => (result.token ? { ...result, keyId: key.keyId } : result));
}

globalThis.window.Vigil = Object.freeze({
  NAMESPACES,
  REASONS,
  AddressError,
  HubError,
  ProofError,
  RecordError,
  TrusteeQuorumError,
  normalise,
  tokenize,
  openRecord,
  dumpDocument,
});

const page = globalThis.document;
if (typeof page?.querySelectorAll === 'function') {
  if (page.readyState === 'loading') page.addEventListener('DOMContentLoaded', () => activate(page));
  else activate(page);
}
