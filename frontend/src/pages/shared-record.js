/**
 * The shared record panel (`data-vigil-page="shared-record"`): open it with the record passphrase,
 * join it, or create it; then fill in the page's own addresses (matches), or list its members with
 * grant buttons and the re-wrap progress (people). Passphrase fields belong to no form with a name:
 * nothing typed there is posted.
 */
import { createShared, fingerprintOf, joinShared, openShared, recordHub, SharedRecordError, Tampered } from '../shared.js';
import { HubError } from '../oprf.js';
import { RecordCryptoError } from '../recordcrypto.js';
import { retokenize } from '../retokenize.js';
import { csrfOf, el, fill } from './dom.js';
import { pageHub } from './hub.js';
import { trusteeKeyStore } from './trustee-keys.js';

export const TAMPERED = 'TAMPERED: this entry does not authenticate here';

// The record opened in this tab, if any: the report and screen pages write to it as well.
let openInThisTab = null;

/** The browser's record, and the shared record too once it is open in this tab. */
export function withShared(local) {
  return {
    wallets: () => local.wallets(),
    async save(wallets) {
      await local.save(wallets);
      const shared = openInThisTab;
      if (!shared?.readable) return;
      // What the record already knows of a wallet (its report id, a status past pending) is kept.
      const known = await shared.lookup(wallets.map((wallet) => [wallet.key_id, wallet.token]));
      const provisional = new Set(['pending', 'screened']);
      await shared.save(
        wallets.map((wallet) => {
          const entry = known.get(`${wallet.key_id}:${wallet.token}`);
          if (!entry || entry instanceof Tampered) return wallet;
          const status = provisional.has(wallet.status) && entry.status !== 'pending' ? entry.status : wallet.status;
          return { ...wallet, report_id: wallet.report_id ?? entry.report_id, status, note: entry.note };
        }),
      );
    },
  };
}

function passphraseForm(root, action, label, confirm, onSubmit) {
  const field = el('input', { type: 'password', autocomplete: 'off', 'data-passphrase': action, 'aria-label': 'Record passphrase' });
  const again = confirm
    ? el('input', { type: 'password', autocomplete: 'off', 'aria-label': 'The same passphrase again' })
    : null;
  const button = el('button', { type: 'button', [`data-shared-${action}`]: true }, label);
  button.addEventListener('click', () => {
    if (again && again.value !== field.value) {
      onSubmit(null, 'The two passphrases differ.');
      return;
    }
    onSubmit(field.value);
  });
  return el('p', { class: 'actions' }, field, again, button);
}

/** Fill each `[data-token][data-key-id]` row's `.address` from the shared record. */
export async function fillAddresses(doc, record) {
  const rows = [...doc.querySelectorAll('[data-token][data-key-id]')];
  const found = await record.lookup(rows.map((row) => [row.dataset.keyId, row.dataset.token]));
  for (const row of rows) {
    const cell = row.querySelector('.address');
    const entry = found.get(`${row.dataset.keyId}:${row.dataset.token}`);
    if (!cell || entry === undefined) continue;
    cell.textContent = entry instanceof Tampered ? TAMPERED : entry.address;
    cell.classList.toggle('recorded', !(entry instanceof Tampered));
    cell.classList.toggle('bad', entry instanceof Tampered);
    cell.dataset.shared = 'true';
  }
}

function progressText(record) {
  const { current, total } = record.progress;
  const rotation = record.rotationRequired ? ' A member left: the key is rotated before the next write.' : '';
  return `Generation ${record.generation} of the record key; ${current} of ${total} entries under it.${rotation}`;
}

async function showMembers(root, record, status) {
  const list = root.querySelector('[data-shared-members]');
  if (!list) return;
  const members = await record.hub.members();
  const rows = members
    .filter((member) => member.kind !== 'recovery')
    .map((member) => {
      const holds = member.generations.includes(record.generation);
      let action = 'holds the key';
      if (!holds) {
        action = el('button', { type: 'button', 'data-shared-grant': member.id }, `Grant the record key to ${member.name}`);
        action.addEventListener('click', async () => {
          await record.grant(member.id);
          await showMembers(root, record, status);
          fill(status, `Granted to ${member.name}.`);
        });
      }
      return el('tr', { 'data-member': member.id }, el('td', {}, member.name), el('td', {}, member.kind),
        el('td', {}, el('code', {}, fingerprintOf(member))), el('td', {}, action)); // prettier-ignore
    });
  fill(list, rows);
  const rewrap = root.querySelector('[data-shared-rewrap]');
  fill(root.querySelector('[data-shared-progress]'), progressText(record));
  if (rewrap) rewrap.hidden = !(record.rotationRequired || record.progress.current < record.progress.total);
}

export async function sharedRecordPage(root, doc = globalThis.document) {
  const organisation = root.dataset.organisation;
  // The page's sign-out form carries the CSRF token; the panel repeats none, so pages stay byte-comparable.
  const csrfToken = csrfOf(root) ?? doc.querySelector('input[name="csrfmiddlewaretoken"]')?.value ?? '';
  const hub = recordHub({ csrfToken });
  const status = root.querySelector('[data-shared-status]');
  const controls = root.querySelector('[data-shared-controls]');
  // The page says whether the record exists: asking for one that does not would log a failed request.
  const state = root.dataset.exists === 'false' ? null : await hub.record();
  const fail = (error) => {
    if (!(error instanceof SharedRecordError || error instanceof RecordCryptoError || error instanceof HubError)) {
      throw error;
    }
    status.classList.add('bad');
    fill(status, error.message);
  };
  const opened = async (record) => {
    status.classList.remove('bad');
    fill(controls);
    root.dataset.state = 'open';
    if (!record.readable) {
      fill(status, `You are member ${record.memberId}; nothing is readable until a colleague grants you the key.`);
      return;
    }
    root.querySelector('[data-shared-retokenize]')?.addEventListener('click', async () => {
      const keys = trusteeKeyStore(globalThis.sessionStorage, organisation);
      const pages = pageHub({ csrfToken, trusteeKeys: () => keys.get() });
      const { retokenised, missing } = await retokenize({
        pages,
        records: hub,
        record,
        onProgress: (done, total) => fill(status, `Re-tokenised ${done} of ${total} reports…`),
      });
      const left = missing.length ? `; ${missing.length} whose address the record does not hold left as they are` : '';
      fill(status, `Re-tokenised ${retokenised} reports under the current key${left}.`);
    });
    root.querySelector('[data-shared-rewrap]')?.addEventListener('click', async () => {
      const { rewrapped, tampered } = await record.rewrap((done, total) => fill(status, `Re-wrapped ${done} of ${total}…`));
      fill(status, `Re-wrapped ${rewrapped} entries${tampered ? `; ${tampered} TAMPERED left as they are` : ''}.`);
      await showMembers(root, record, status);
    });
    await fillAddresses(doc, record);
    await showMembers(root, record, status);
    // Said last, once everything on the page is filled in and every button answers.
    openInThisTab = record;
    fill(status, 'The shared record is open in this tab: what you report or screen here is written to it too.');
  };
  if (state === null) {
    fill(status, "Your organisation has no shared record yet. Create it: you will be shown a recovery secret once.");
    fill(controls, passphraseForm(root, 'create', 'Create the shared record', true, async (passphrase, problem) => {
      if (problem) return fail(new SharedRecordError(problem));
      try {
        const { record, recoverySecret } = await createShared(hub, organisation, passphrase);
        await opened(record);
        root.querySelector('[data-shared-recovery]').replaceChildren(
          el('p', {}, 'Your recovery secret, shown this once. Keep it offline: it opens the record without any member.'),
          el('code', { 'data-recovery-secret': true }, recoverySecret),
        );
      } catch (error) {
        fail(error);
      }
    })); // prettier-ignore
    return;
  }
  if (!state.member) {
    fill(status, 'Join the shared record with a passphrase of your own; a colleague then grants you its key.');
    fill(controls, passphraseForm(root, 'join', 'Join the shared record', true, async (passphrase, problem) => {
      if (problem) return fail(new SharedRecordError(problem));
      try {
        const { memberId, fingerprint } = await joinShared(hub, organisation, passphrase);
        fill(controls);
        fill(status, `Joined as ${memberId}, key fingerprint ${fingerprint}: tell the colleague who grants you the key.`);
      } catch (error) {
        fail(error);
      }
    })); // prettier-ignore
    return;
  }
  fill(status, 'Open the shared record with your record passphrase to see your addresses.');
  fill(controls, passphraseForm(root, 'open', 'Open the shared record', false, async (passphrase) => {
    try {
      fill(status, 'Opening…');
      await opened(await openShared(hub, organisation, passphrase));
    } catch (error) {
      fail(error);
    }
  })); // prettier-ignore
}
