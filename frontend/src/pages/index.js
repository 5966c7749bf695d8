/** Each page's script runs on the element that names it: `data-vigil-page="report|screen|matches|record|shared-record|trustee-keys"`. */
import { matchesPage } from './matches.js';
import { recordPage } from './record-file.js';
import { reportPage } from './report.js';
import { screenPage } from './screen.js';
import { sharedRecordPage } from './shared-record.js';
import { trusteeKeysPage } from './trustee-keys.js';

export const PAGES = Object.freeze({
  report: reportPage,
  screen: screenPage,
  matches: matchesPage,
  record: recordPage,
  'shared-record': sharedRecordPage,
  'trustee-keys': trusteeKeysPage,
});

export function activate(doc) {
  for (const root of doc.querySelectorAll('[data-vigil-page]')) {
    const page = PAGES[root.dataset.vigilPage];
    if (page) {
      Promise.resolve(page(root)).catch((error) => {
        root.dataset.state = 'failed';
        globalThis.console?.error(error);
      });
    }
  }
}
