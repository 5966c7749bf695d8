/**
 * The hub as the portal's pages use it: the OPRF client of oprf.js for tokens, and the report and
 * screen endpoints. Only tokens, key ids, policies and blinded elements are ever in a body.
 */
import { HubError, hubClient, tokenize, trusteeEvaluators } from '../oprf.js';

const USABLE = ['current', 'previous']; // the hub still evaluates under these (vigil_client.hub.USABLE_KEY_STATUSES)

async function json(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A body that is not JSON says nothing more than the status.
  }
  if (!response.ok) {
    const detail = body?.detail ?? '';
    const errors = (body?.errors ?? []).map((error) => `${error.pointer ?? ''} ${error.detail ?? ''}`.trim());
    throw new HubError(`hub answered ${response.status}${detail ? `: ${detail}` : ''}${errors.length ? ` (${errors.join('; ')})` : ''}`, {
      status: response.status,
    });
  }
  return body;
}

/**
 * `csrfToken` is the page's; `trusteeKeys()` gives the organisation's API keys at the trustees of a
 * split key (trustee-keys.js), read at each batch; `fetchImpl` is replaceable for tests.
 */
export function pageHub({ baseUrl = '/api/v1', csrfToken = '', trusteeKeys = () => ({}), fetchImpl = globalThis.fetch?.bind(globalThis) } = {}) {
  const oprf = hubClient({ baseUrl, csrfToken, fetchImpl });
  const post = (path, body, headers = {}) =>
    fetchImpl(`${baseUrl}/${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken, ...headers },
      body: JSON.stringify(body),
    }).then(json);
  return {
    currentKey: () => oprf.currentKey(),
    async usableKey(keyId) {
      return (await oprf.keys()).find((key) => key.keyId === keyId && USABLE.includes(key.status)) ?? null;
    },
    /** Tokens of canonical addresses of one namespace, in order, under `key` (every proof verified). */
    async tokens(key, namespace, canonicals) {
      // A split key is evaluated at its trustees (a TrusteeQuorumError names each that did not answer); a whole one by the hub.
      const trustees = key.threshold ? trusteeEvaluators(key, trusteeKeys(), { fetchImpl }) : {};
      const results = await tokenize(namespace, canonicals, { key, evaluate: oprf.evaluate.bind(oprf), trustees });
      return results.map((result) => {
        if (!result.token) throw new HubError(`${result.address}: ${result.error}`);
        return result.token;
      });
    },
    report: (body, idempotencyKey) => post('reports', body, { 'Idempotency-Key': idempotencyKey }),
    screen: (body) => post('screen', body),
  };
}
