/** The record page: export the browser's record as a vigil-record file, or import one (the CLI's format). */
import { RecordError, dumpDocument, openRecord } from '../record.js';
import { fill } from './dom.js';

export async function recordPage(root) {
  const record = openRecord(root.dataset.organisation);
  const count = root.querySelector('[data-record-count]');
  const status = root.querySelector('[data-record-status]');
  const refresh = async () => {
    const wallets = await record.wallets();
    fill(count, `${wallets.length} wallet${wallets.length === 1 ? '' : 's'} in this browser's record.`);
  };
  root.querySelector('[data-record-export]').addEventListener('click', async () => {
    const text = dumpDocument(await record.exportDocument());
    const link = root.querySelector('[data-record-download]');
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    link.download = `vigil-record-${root.dataset.organisation}.json`;
    link.hidden = false;
    link.click();
  });
  root.querySelector('[data-record-import]').addEventListener('click', async () => {
    const [file] = root.querySelector('[data-record-file]').files;
    status.classList.remove('bad');
    if (!file) {
      fill(status, 'Choose a vigil-record file first.');
      return;
    }
    try {
      const { added, updated, unchanged } = await record.importText(await file.text());
      fill(status, `Imported: ${added} added, ${updated} updated, ${unchanged} unchanged.`);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      status.classList.add('bad');
      fill(status, `Refused: ${error.message}. Nothing was imported.`);
    }
    await refresh();
  });
  await refresh();
}
