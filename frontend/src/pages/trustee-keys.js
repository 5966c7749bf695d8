/**
 * The organisation's API keys at the trustees of a split key, kept in this tab's sessionStorage only:
 * they are sent to their own trustee and never to the hub, and go when the tab is closed.
 */
import { fill } from './dom.js';

const PREFIX = 'vigil-trustee-keys:';

/** Trustee name → API key for one organisation, in `storage` (sessionStorage, or a stand-in with getItem/setItem/removeItem). */
export function trusteeKeyStore(storage, organisation) {
  const slot = `${PREFIX}${organisation}`;
  return {
    get() {
      try {
        const keys = JSON.parse(storage?.getItem(slot) ?? '{}');
        return keys && typeof keys === 'object' && !Array.isArray(keys) ? keys : {};
      } catch {
        return {};
      }
    },
    set(keys) {
      const kept = Object.fromEntries(Object.entries(keys).filter(([, key]) => key));
      if (Object.keys(kept).length) storage.setItem(slot, JSON.stringify(kept));
      else storage.removeItem(slot);
    },
  };
}

/** The trustee keys page: one field per trustee the hub publishes; saving keeps them in this tab, forgetting clears them. */
export function trusteeKeysPage(root) {
  const store = trusteeKeyStore(globalThis.sessionStorage, root.dataset.organisation);
  const fields = [...root.querySelectorAll('[data-trustee-key]')];
  const status = root.querySelector('[data-status]');
  const show = () => {
    const kept = store.get();
    for (const field of fields) field.value = kept[field.dataset.trusteeKey] ?? '';
    const held = fields.filter((field) => kept[field.dataset.trusteeKey]).map((field) => field.dataset.trusteeKey);
    fill(status, held.length ? `This tab holds keys for ${held.join(', ')}.` : 'This tab holds no trustee key.');
    root.dataset.state = held.length ? 'kept' : 'empty';
  };
  root.querySelector('[data-save]').addEventListener('click', () => {
    store.set(Object.fromEntries(fields.map((field) => [field.dataset.trusteeKey, field.value.trim()])));
    show();
  });
  root.querySelector('[data-forget]').addEventListener('click', () => {
    store.set({});
    show();
  });
  show();
}
