/**
 * The organisation's shared record as a person holds it in the browser: the twin of
 * client/vigil_client/shared_record.py. The person's private key comes from the hub wrapped under
 * their record passphrase and is opened here; record keys, entries and grants are sealed and
 * opened here. The hub sees public keys, sealed keys and ciphertext only.
 */
import { HubError } from './oprf.js';
import * as rc from './recordcrypto.js';

const BATCH = 1000;
export const PASSPHRASE_MIN = 12;

/** The shared record cannot be used as asked (not joined, no key granted yet, a bad grant). */
export class SharedRecordError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SharedRecordError';
  }
}

/** An entry that does not authenticate where it is stored: shown as such, never as an address. */
export class Tampered {
  constructor(keyId, token) {
    this.keyId = keyId;
    this.token = token;
  }
}

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text) => Uint8Array.from(text.match(/../g), (pair) => Number.parseInt(pair, 16));

/** The record endpoints with the member's session; `fetchImpl` is replaceable for tests. */
export function recordHub({ baseUrl = '/api/v1', csrfToken = '', fetchImpl = globalThis.fetch?.bind(globalThis) } = {}) {
  async function call(method, path, body) {
    const response = await fetchImpl(`${baseUrl}/${path}`, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      // A body that is not JSON says nothing more than the status.
    }
    if (!response.ok) {
      throw new HubError(`hub answered ${response.status}${answer?.detail ? `: ${answer.detail}` : ''}`, {
        status: response.status,
      });
    }
    return answer;
  }
  async function pages(path) {
    const items = [];
    let next = `${path}${path.includes('?') ? '&' : '?'}page_size=1000`;
    while (next) {
      const page = await call('GET', next);
      items.push(...page.results);
      next = page.next ? page.next.split('/api/v1/')[1] : null;
    }
    return items;
  }
  return {
    async record() {
      try {
        return await call('GET', 'record');
      } catch (error) {
        if (error.status === 404) return null;
        throw error;
      }
    },
    create: (body) => call('POST', 'record', body),
    join: (body) => call('POST', 'record/members', body),
    members: () => pages('record/members'),
    member: (id) => call('GET', `record/members/${id}`),
    grant: (id, keys) => call('POST', `record/members/${id}/grant`, { keys }),
    rotate: (body) => call('POST', 'record/rotate', body),
    lookup: (pairs) =>
      call('POST', 'record/entries/lookup', { items: pairs.map(([keyId, token]) => ({ key_id: keyId, token })) }),
    write: (entries) => call('PUT', 'record/entries', { entries }),
    reports: () => pages('reports?status=active'),
    async withdraw(reportId) {
      try {
        await call('DELETE', `reports/${reportId}`);
      } catch (error) {
        if (error.status !== 404) throw error; // withdrawn already: a resumed run goes on
      }
    },
    entries: (belowGeneration) =>
      pages(belowGeneration ? `record/entries?below_generation=${belowGeneration}` : 'record/entries'),
  };
}

function checkNewPassphrase(passphrase) {
  if (passphrase.length < PASSPHRASE_MIN) {
    throw new SharedRecordError(`a record passphrase has at least ${PASSPHRASE_MIN} characters`);
  }
}

/** The record as this person holds it: the private key and the record keys granted to it. */
export class SharedRecord {
  constructor(hub, organisation, privateKey, state) {
    this.hub = hub;
    this.organisation = organisation;
    this.privateKey = privateKey;
    this.load(state);
  }

  load(state) {
    const { member } = state;
    if (!member) throw new SharedRecordError('you are not a member of the shared record yet');
    if (member.public_key !== toHex(rc.publicKey(this.privateKey))) {
      throw new SharedRecordError('the hub holds another public key for you than the one your passphrase opens');
    }
    Object.assign(this, {
      generation: state.generation,
      rotationRequired: state.rotation_required,
      progress: state.entries,
      memberId: member.id,
      keys: new Map(),
    });
    for (const { generation, wrapped_key: wrapped } of member.keys) {
      const where = { organisation: this.organisation, generation };
      const key = rc.unwrapRecordKey(this.privateKey, wrapped, where);
      if (rc.keyCheck(key, where) !== state.key_checks[String(generation)]) {
        throw new SharedRecordError(`the record key granted for generation ${generation} is not the record's`);
      }
      this.keys.set(generation, key);
    }
  }

  async refresh() {
    this.load(await this.hub.record());
  }

  get readable() {
    return this.keys.has(this.generation);
  }

  key(generation) {
    if (!this.keys.has(generation)) {
      throw new SharedRecordError(
        `no key of the record's generation ${generation} has been granted to you yet: ask a colleague who holds it to grant it from the People page`,
      );
    }
    return this.keys.get(generation);
  }

  decrypt(item) {
    try {
      return rc.decryptEntry(this.key(item.generation), item.ciphertext, {
        organisation: this.organisation,
        keyId: item.key_id,
        token: item.token,
        generation: item.generation,
      });
    } catch (error) {
      if (error instanceof rc.TamperedError) return new Tampered(item.key_id, item.token);
      throw error;
    }
  }

  /** Map of `${keyId}:${token}` → entry (or Tampered) for the pairs the record holds. */
  async lookup(pairs) {
    const found = new Map();
    for (let i = 0; i < pairs.length; i += BATCH) {
      const { entries } = await this.hub.lookup(pairs.slice(i, i + BATCH));
      for (const item of entries) found.set(`${item.key_id}:${item.token}`, this.decrypt(item));
    }
    return found;
  }

  async rotate() {
    this.key(this.generation);
    const generation = this.generation + 1;
    const key = rc.newRecordKey();
    const where = { organisation: this.organisation, generation };
    const members = await this.hub.members();
    const keys = Object.fromEntries(members.map((m) => [m.id, rc.wrapRecordKey(fromHex(m.public_key), key, where)]));
    await this.hub.rotate({ generation, key_check: rc.keyCheck(key, where), keys });
    await this.refresh();
  }

  /** Store entries under the current key, rotating first if a member left. */
  async save(entries) {
    if (this.rotationRequired) await this.rotate();
    const key = this.key(this.generation);
    for (let i = 0; i < entries.length; i += BATCH) {
      await this.hub.write(
        entries.slice(i, i + BATCH).map((entry) => ({
          key_id: entry.key_id,
          token: entry.token,
          generation: this.generation,
          ciphertext: rc.encryptEntry(key, entry, { organisation: this.organisation, generation: this.generation }),
        })),
      );
    }
  }

  /** Re-encrypt entries under older keys with the current one: {rewrapped, tampered}. */
  async rewrap(onProgress = () => {}) {
    if (this.rotationRequired) await this.rotate();
    const old = await this.hub.entries(this.generation);
    let rewrapped = 0;
    let tampered = 0;
    for (let i = 0; i < old.length; i += BATCH) {
      const entries = [];
      for (const item of old.slice(i, i + BATCH)) {
        const entry = this.decrypt(item);
        if (entry instanceof Tampered) tampered++;
        else entries.push(entry);
      }
      await this.save(entries);
      rewrapped += entries.length;
      onProgress(rewrapped, old.length);
    }
    await this.refresh();
    return { rewrapped, tampered };
  }

  /** Seal every record key this person holds to the member's public key. */
  async grant(memberId) {
    this.key(this.generation);
    const member = await this.hub.member(memberId);
    const publicKey = fromHex(member.public_key);
    const keys = [...this.keys.entries()]
      .sort(([a], [b]) => a - b)
      .map(([generation, key]) => ({
        generation,
        wrapped_key: rc.wrapRecordKey(publicKey, key, { organisation: this.organisation, generation }),
      }));
    return this.hub.grant(memberId, keys);
  }
}

/** Open the record with the person's passphrase; null if there is no record, SharedRecordError if not joined. */
export async function openShared(hub, organisation, passphrase) {
  const state = await hub.record();
  if (state === null) return null;
  if (!state.member) throw new SharedRecordError('you are not a member of the shared record yet');
  const privateKey = await rc.unwrapPrivateKey(state.member.wrapped_private_key, passphrase, { organisation });
  return new SharedRecord(hub, organisation, privateKey, state);
}

/** Join with a key pair made here; returns {memberId, fingerprint} for a colleague to compare. */
export async function joinShared(hub, organisation, passphrase) {
  checkNewPassphrase(passphrase);
  const { privateKey, publicKey } = rc.keypair();
  const wrapped = await rc.wrapPrivateKey(privateKey, passphrase, { organisation });
  const member = await hub.join({ public_key: toHex(publicKey), wrapped_private_key: wrapped });
  return { memberId: member.id, fingerprint: rc.fingerprint(publicKey) };
}

/** Create the organisation's record; returns {record, recoverySecret} (the secret is shown once). */
export async function createShared(hub, organisation, passphrase) {
  checkNewPassphrase(passphrase);
  const { privateKey, publicKey } = rc.keypair();
  const recovery = rc.keypair();
  const key = rc.newRecordKey();
  const where = { organisation, generation: 1 };
  const state = await hub.create({
    public_key: toHex(publicKey),
    wrapped_private_key: await rc.wrapPrivateKey(privateKey, passphrase, { organisation }),
    wrapped_key: rc.wrapRecordKey(publicKey, key, where),
    key_check: rc.keyCheck(key, where),
    recovery_public_key: toHex(recovery.publicKey),
    recovery_wrapped_key: rc.wrapRecordKey(recovery.publicKey, key, where),
  });
  return {
    record: new SharedRecord(hub, organisation, privateKey, state),
    recoverySecret: rc.recoverySecret(recovery.privateKey),
  };
}

export const fingerprintOf = (member) => rc.fingerprint(fromHex(member.public_key));
