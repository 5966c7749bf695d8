/** The screen-a-wallet page: tokenise one address or a list here, and show what the hub answers for each token. */
import { openRecord } from '../record.js';
import { withShared } from './shared-record.js';
import { el, csrfOf, fill } from './dom.js';
import { pageHub } from './hub.js';
import { trusteeKeyStore } from './trustee-keys.js';
import { addressLines, screenAddresses } from './screening.js';

const who = (counterpart) =>
  counterpart.organisation?.name ?? `Anonymous ${counterpart.sector} (${counterpart.jurisdiction})`;

function resultRow(answer) {
  if (answer.error) {
    return el('tr', { class: 'invalid' }, el('td', {}, el('code', {}, answer.address)), el('td', { colspan: 6 }, `Not screened: ${answer.error}`));
  }
  const result = answer.result;
  return el(
    'tr',
    { 'data-token': answer.token },
    el('td', {}, el('code', {}, answer.address), el('br'), `${answer.namespace}`),
    el('td', {}, result.reported ? 'Yes' : 'No', result.reported_by_you ? ' · you reported it too' : ''),
    el('td', {}, result.categories.join(', ') || '—'),
    el('td', {}, String(result.organisations)),
    el('td', {}, result.counterparts.length ? el('ul', { class: 'plain' }, result.counterparts.map((c) => el('li', {}, `${who(c)} · ${c.visibility} · ${c.category} · TLP:${c.tlp.toUpperCase()}`))) : '—'),
    el('td', {}, result.match_status ?? '—'),
    el('td', {}, result.first_seen ? result.first_seen.slice(0, 10) : '—'),
  );
}

export function screenPage(root) {
  const organisation = root.dataset.organisation;
  const field = (name) => root.querySelector(`[data-field="${name}"]`);
  const button = root.querySelector('[data-submit]');
  const status = root.querySelector('[data-status]');
  const results = root.querySelector('[data-results]');
  const keys = trusteeKeyStore(globalThis.sessionStorage, organisation);
  const hub = pageHub({ csrfToken: csrfOf(root), trusteeKeys: () => keys.get() });
  button.addEventListener('click', async () => {
    const addresses = addressLines(field('addresses').value);
    status.classList.remove('bad');
    if (!addresses.length) {
      fill(status, 'Give an address to screen.');
      return;
    }
    button.disabled = true;
    fill(status, 'Tokenising in this browser and screening…');
    try {
      const answers = await screenAddresses({
        addresses,
        namespace: field('namespace').value,
        recordSighting: field('record_sighting').checked,
        sightingVisibility: field('sighting_visibility').value,
        hub,
        record: withShared(openRecord(organisation)),
      });
      const screened = answers.filter((answer) => !answer.error).length;
      fill(status, `Screened ${screened} of ${answers.length}; the screened wallets are in this browser's record.`);
      fill(
        results,
        el(
          'table',
          {},
          el('caption', {}, 'What the hub may tell you of each wallet'),
          el(
            'thead',
            {},
            el('tr', {}, ['Address', 'Reported by others', 'Categories', 'Organisations', 'Counterparts', 'Match status', 'First seen'].map((name) => el('th', { scope: 'col' }, name))),
          ),
          el('tbody', {}, answers.map(resultRow)),
        ),
      );
      root.dataset.state = 'screened';
    } catch (error) {
      status.classList.add('bad');
      fill(status, `Stopped: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  });
}
