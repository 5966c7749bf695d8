/** Matches and match pages: each row's own address from the browser's record, or a plain "not in it". */
import { openRecord } from '../record.js';
import { addressesFor } from './screening.js';

export const NOT_RECORDED = "not in this browser's record";

export async function matchesPage(root) {
  const rows = [...root.querySelectorAll('[data-token][data-key-id]')];
  if (!rows.length) return;
  const wallets = await openRecord(root.dataset.organisation).wallets();
  const found = addressesFor(
    rows.map((row) => ({ token: row.dataset.token, keyId: row.dataset.keyId })),
    wallets,
  );
  rows.forEach((row, i) => {
    const cell = row.querySelector('.address');
    if (!cell) return;
    cell.textContent = found[i] ?? NOT_RECORDED;
    cell.classList.toggle('recorded', found[i] !== null);
  });
}
