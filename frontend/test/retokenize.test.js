/** What the portal and the CLI must agree on to finish each other's re-tokenisation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { idempotencyKey } from '../src/retokenize.js';

// tests/client/test_retokenize.py expects the same key for the same reports.
const OLD_REPORTS = ['rep_bbbbbbbbbbbbbbbbbbbbbbbbbb', 'rep_aaaaaaaaaaaaaaaaaaaaaaaaaa'];

test("a batch's idempotency key depends on its old reports, not their order", () => {
  assert.equal(idempotencyKey(OLD_REPORTS), 'vigil-retokenize-6e921cab63ccbacb808e0ba696f91b56');
  assert.equal(idempotencyKey([...OLD_REPORTS].reverse()), idempotencyKey(OLD_REPORTS));
  assert.notEqual(idempotencyKey(OLD_REPORTS.slice(0, 1)), idempotencyKey(OLD_REPORTS));
});
