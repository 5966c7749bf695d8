/**
 * The hub as the portal's pages use it: the OPRF client of oprf.js for tokens, and the report and
 * screen endpoints. Only tokens, key ids, policies and blinded elements are ever in a body.
 */
import { HubError, hubClient, tokenize } from '../oprf.js';

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

/** `csrfToken` is the page's; `fetchImpl` is replaceable for tests. */
export function pageHub({ baseUrl = '/api/v1', csrfToken = '', fetchImpl = globalThis.fetch?.bind(globalThis) } = {}) {
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
    /** Tokens of canonical addresses of one namespace, in order, under `key` (its proof verified). */
    async tokens(key, namespace, canonicals) {
      const results = await tokenize(namespace, canonicals, { key, evaluate: oprf.evaluate.bind(oprf) });
      return results.map((result) => {
        if (!result.token) throw new HubError(`${result.address}: ${result.error}`);
        return result.token;
      });
    },
    report: (body, idempotencyKey) => post('reports', body, { 'Idempotency-Key': idempotencyKey }),
    screen: (body) => post('screen', body),
  };
}
