/**
 * The report-wallets page: check a pasted list or a CSV file here, show every invalid line, and
 * only once none is left tokenise in this browser and report the tokens in batches.
 */
import { openRecord } from '../record.js';
import { withShared } from './shared-record.js';
import { el, csrfOf, fill } from './dom.js';
import { pageHub } from './hub.js';
import { trusteeKeyStore } from './trustee-keys.js';
import { PlanError, REPORT_BATCH, checkList, dropLines, fingerprint, parseField, runStore, submitReport } from './plan.js';

const value = (root, name) => root.querySelector(`[data-field="${name}"]`);

/** The batch-wide values chosen on the page, parsed as the CLI parses its flags. */
function chosen(root, vocabulary) {
  const values = {};
  for (const name of ['namespace', 'category', 'confidence', 'visibility', 'tlp', 'expires_at']) {
    const text = value(root, name)?.value.trim();
    if (text) values[name] = parseField(name, text, vocabulary);
  }
  const sectors = [...root.querySelectorAll('[data-field="audience_sectors"]:checked')].map((box) => box.value);
  if (sectors.length) values.audience_sectors = parseField('audience_sectors', sectors.join(';'), vocabulary);
  const include = value(root, 'audience_include').value.trim();
  if (include) values.audience_include = parseField('audience_include', include, vocabulary, { separator: ',' });
  values.sighting_alerts = value(root, 'sighting_alerts').checked;
  return values;
}

const POLICY = ['visibility', 'tlp', 'expires_at', 'audience_sectors', 'audience_include', 'sighting_alerts'];

export function reportPage(root) {
  const vocabulary = JSON.parse(root.dataset.vocabulary);
  const organisation = root.dataset.organisation;
  const text = value(root, 'addresses');
  const file = root.querySelector('[data-csv-file]');
  const summary = root.querySelector('[data-check-summary]');
  const invalidList = root.querySelector('[data-invalid-lines]');
  const drop = root.querySelector('[data-drop-invalid]');
  const submit = root.querySelector('[data-submit]');
  const restart = root.querySelector('[data-restart]');
  const resume = root.querySelector('[data-resume]');
  const progress = root.querySelector('[data-progress]');
  const status = root.querySelector('[data-status]');
  const runs = runStore(globalThis.localStorage, organisation);
  const keys = trusteeKeyStore(globalThis.sessionStorage, organisation);
  const hub = pageHub({ csrfToken: csrfOf(root), trusteeKeys: () => keys.get() });
  let plan = null;
  let busy = false;

  const batchSize = () => {
    const size = Number(value(root, 'batch_size').value || REPORT_BATCH);
    if (!(Number.isInteger(size) && size >= 1 && size <= 10_000)) throw new PlanError('tokens per request must be between 1 and 10000');
    return size;
  };

  function check() {
    plan = null;
    fill(invalidList);
    status.classList.remove('bad');
    let result;
    let values;
    try {
      values = chosen(root, vocabulary);
      result = checkList(text.value, { values, vocabulary });
      if (!result.rows.length && !result.invalid.length) throw new PlanError('the list names no wallet yet');
    } catch (error) {
      fill(summary, error.message);
      drop.hidden = true;
      submit.disabled = true;
      resume.hidden = true;
      return;
    }
    const { rows, invalid } = result;
    const size = batchSize();
    fill(
      summary,
      `${rows.length} valid wallet${rows.length === 1 ? '' : 's'}`,
      invalid.length ? `; ${invalid.length} invalid line${invalid.length === 1 ? '' : 's'}: nothing is sent until each is fixed or dropped.` : ', ready to report.',
    );
    if (invalid.length) {
      fill(
        invalidList,
        el(
          'table',
          {},
          el('caption', {}, 'Invalid lines'),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Line'), el('th', { scope: 'col' }, 'Address'), el('th', { scope: 'col' }, 'Reason'))),
          el(
            'tbody',
            {},
            invalid.map((line) => el('tr', { 'data-invalid-line': line.line }, el('td', {}, String(line.line)), el('td', {}, el('code', {}, line.address)), el('td', {}, line.error))),
          ),
        ),
      );
    }
    drop.hidden = !invalid.length;
    submit.disabled = busy || invalid.length > 0 || rows.length === 0;
    const policy = Object.fromEntries(Object.entries(values).filter(([name]) => POLICY.includes(name)));
    const print = fingerprint(text.value, values, size);
    plan = invalid.length ? null : { rows, policy, batchSize: size, print };
    const run = plan && runs.get(print);
    resume.hidden = !run;
    if (run) {
      const sent = Object.keys(run.acknowledged).length;
      fill(resume.querySelector('[data-resume-text]'), `An interrupted submission of this list was found: ${sent} of ${run.batches} batches were acknowledged. Reporting resumes it, re-sending nothing the hub already stored.`);
    }
    submit.textContent = run ? 'Resume reporting' : `Tokenise and report ${rows.length} wallet${rows.length === 1 ? '' : 's'}`;
  }

  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 150);
  };
  root.addEventListener('input', later);
  root.addEventListener('change', later);
  file.addEventListener('change', async () => {
    const [chosenFile] = file.files;
    if (!chosenFile) return;
    text.value = await chosenFile.text();
    check();
  });
  drop.addEventListener('click', () => {
    const { invalid } = checkList(text.value, { values: chosen(root, vocabulary), vocabulary });
    text.value = dropLines(text.value, invalid);
    check();
  });

  async function run(restarting) {
    check();
    if (!plan || busy) return;
    busy = true;
    submit.disabled = true;
    progress.hidden = false;
    progress.max = plan.rows.length;
    progress.value = 0;
    fill(status, 'Tokenising in this browser and reporting…');
    try {
      const outcome = await submitReport({
        ...plan,
        runs,
        hub,
        record: withShared(openRecord(organisation)),
        restart: restarting,
        onProgress: ({ done, batch, batches }) => {
          progress.value = done;
          fill(status, `Batch ${batch} of ${batches} acknowledged (${done} of ${plan.rows.length} wallets).`);
        },
      });
      fill(
        status,
        `Reported ${plan.rows.length} wallet${plan.rows.length === 1 ? '' : 's'} in ${outcome.batches} batch${outcome.batches === 1 ? '' : 'es'}` +
          `${outcome.resumed ? ' (resumed)' : ''}: ${outcome.created} new, ${outcome.updated} updated, ${outcome.matched} now matched. ` +
          "Each token and its address are in this browser's record.",
      );
      root.dataset.state = 'reported';
    } catch (error) {
      status.classList.add('bad');
      fill(status, `Stopped: ${error.message}. What the hub acknowledged is kept; report again to resume.`);
      root.dataset.state = 'interrupted';
    } finally {
      busy = false;
      check();
    }
  }
  submit.addEventListener('click', () => run(false));
  restart.addEventListener('click', () => run(true));
  check();
}
