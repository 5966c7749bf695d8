/**
 * The browser's record of which token is which address, one per organisation, in IndexedDB.
 *
 * Export and import use the one `vigil-record` file format of the CLI (`vigil record export`,
 * client/vigil_client/record.py): the same fields, the same checks, the same refusal messages,
 * the same merge, and byte-identical files for equal records. The record holds raw addresses;
 * it stays in this browser and in files the member chooses to write.
 */
import { AddressError, NAMESPACES, normalise } from './addresses.js';

export const FILE_FORMAT = 'vigil-record';
export const FILE_VERSION = 1;
export const FIELDS = Object.freeze(['namespace', 'canonical', 'address', 'key_id', 'token', 'report_id', 'status']);
const FILE_KEYS = ['format', 'version', 'organisation', 'wallets'];
const HEX_TOKEN = /^[0-9a-f]{64}$/;
const HEX_KEY_ID = /^[0-9a-f]{16}$/;
const STATUS = /^[a-z_]{1,32}$/;

/** A record file to refuse, or a record that cannot be used. */
export class RecordError extends Error {
  constructor(message) {
    super(message);
    this.name = 'RecordError';
  }
}

// Python's repr() of a JSON value, so that refusals read the same as the CLI's.
function pyRepr(value) {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    return quote + value.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`) + quote;
  }
  return JSON.stringify(value);
}

const identity = (wallet) => [wallet.namespace, wallet.canonical, wallet.key_id];
const identityKey = (wallet) => JSON.stringify(identity(wallet));
const compareIdentity = (a, b) => {
  const [x, y] = [identity(a), identity(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
};
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const sameKeys = (object, keys) => {
  const own = Object.keys(object);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(object, key));
};

/** The export document of `wallets`, sorted so that equal records give equal files. */
export function recordDocument(organisation, wallets) {
  return {
    format: FILE_FORMAT,
    version: FILE_VERSION,
    organisation,
    wallets: [...wallets].sort(compareIdentity).map((wallet) => Object.fromEntries(FIELDS.map((f) => [f, wallet[f]]))),
  };
}

/** The file's text: two-space indented JSON and a newline, byte for byte what the CLI writes. */
export function dumpDocument(document) {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The wallets of a `vigil-record` document of `organisation`; RecordError names what is wrong. */
export function walletsFromDocument(document, organisation) {
  if (!isObject(document) || document.format !== FILE_FORMAT) throw new RecordError(`not a ${FILE_FORMAT} file`);
  const version = document.version;
  if (version !== FILE_VERSION) {
    throw new RecordError(`${FILE_FORMAT} version ${pyRepr(version)}; this client reads version ${FILE_VERSION}`);
  }
  if (!sameKeys(document, FILE_KEYS)) {
    throw new RecordError(`a ${FILE_FORMAT} file has exactly the fields ${[...FILE_KEYS].sort().join(', ')}`);
  }
  const owner = document.organisation;
  if (owner !== organisation) {
    throw new RecordError(
      `the file is the record of organisation ${pyRepr(owner)}, not of ${pyRepr(organisation)}; refusing it`,
    );
  }
  if (!Array.isArray(document.wallets)) throw new RecordError('wallets must be a list');
  const wallets = document.wallets.map(walletFromEntry);
  const seen = new Set();
  wallets.forEach((wallet, index) => {
    if (seen.has(identityKey(wallet))) throw new RecordError(`wallet ${index}: the same wallet and key appear twice`);
    seen.add(identityKey(wallet));
  });
  return wallets;
}

function walletFromEntry(entry, index) {
  const where = `wallet ${index}`;
  if (!isObject(entry) || !sameKeys(entry, FIELDS)) {
    throw new RecordError(`${where}: an object with exactly the fields ${FIELDS.join(', ')}`);
  }
  if (!FIELDS.every((field) => field === 'report_id' || typeof entry[field] === 'string')) {
    throw new RecordError(`${where}: every field but report_id is a string`);
  }
  if (!(entry.report_id === null || (typeof entry.report_id === 'string' && entry.report_id))) {
    throw new RecordError(`${where}: report_id is a non-empty string or null`);
  }
  const { namespace } = entry;
  if (!NAMESPACES.includes(namespace)) throw new RecordError(`${where}: unknown namespace ${pyRepr(namespace)}`);
  let canonical;
  let spelt;
  try {
    canonical = normalise(namespace, entry.canonical);
    spelt = normalise(namespace, entry.address);
  } catch (error) {
    if (error instanceof AddressError) throw new RecordError(`${where}: ${error.message}`);
    throw error;
  }
  if (canonical !== entry.canonical || spelt !== canonical) {
    throw new RecordError(`${where}: the address and its canonical form are not one ${namespace} wallet`);
  }
  if (!HEX_KEY_ID.test(entry.key_id) || !HEX_TOKEN.test(entry.token)) {
    throw new RecordError(`${where}: key_id is 16 and token 64 lowercase hex characters`);
  }
  if (!STATUS.test(entry.status)) throw new RecordError(`${where}: status ${pyRepr(entry.status)} is not a status`);
  return Object.fromEntries(FIELDS.map((field) => [field, entry[field]]));
}

/**
 * One wallet after an import: what the record knows wins, and fills in only what it lacks. The
 * hub's report id and a status past `pending` come from the file when the record has none; a
 * different token for the same address and key means one side is wrong, so it is refused.
 */
export function mergeWallet(local, incoming) {
  if (!local) return incoming;
  if (local.token !== incoming.token) {
    throw new RecordError(
      `${local.namespace} ${local.canonical}: the file's token under key ${local.key_id} differs from the record's`,
    );
  }
  return {
    ...local,
    report_id: local.report_id ?? incoming.report_id,
    status: local.status === 'pending' ? incoming.status : local.status,
  };
}

const sameWallet = (a, b) => FIELDS.every((field) => a[field] === b[field]);

/**
 * An organisation's record over a storage backend (`getAll()` and `putAll(wallets)`, the latter
 * in one transaction): IndexedDB in the browser, a Map in the tests.
 */
export class Record {
  constructor(organisation, backend) {
    this.organisation = organisation;
    this.backend = backend;
  }

  /** Insert or update wallets; a report id already known is kept when the new one is null. */
  async save(wallets) {
    const known = new Map((await this.backend.getAll()).map((wallet) => [identityKey(wallet), wallet]));
    await this.backend.putAll(
      wallets.map((wallet) => {
        const local = known.get(identityKey(wallet));
        return { ...wallet, report_id: wallet.report_id ?? local?.report_id ?? null };
      }),
    );
  }

  async wallets() {
    return (await this.backend.getAll()).sort(compareIdentity);
  }

  async walletForToken(keyId, token) {
    return (await this.backend.getAll()).find((wallet) => wallet.key_id === keyId && wallet.token === token) ?? null;
  }

  async exportDocument() {
    return recordDocument(this.organisation, await this.backend.getAll());
  }

  /** Merge a document, all or nothing: `{added, updated, unchanged}`; throws RecordError to refuse it. */
  async importDocument(document) {
    const incoming = walletsFromDocument(document, this.organisation);
    const known = new Map((await this.backend.getAll()).map((wallet) => [identityKey(wallet), wallet]));
    const changed = [];
    let added = 0;
    let updated = 0;
    for (const wallet of incoming) {
      const local = known.get(identityKey(wallet));
      const merged = mergeWallet(local, wallet);
      if (!local) added++;
      else if (!sameWallet(local, merged)) updated++;
      else continue;
      changed.push(merged);
    }
    await this.backend.putAll(changed);
    return { added, updated, unchanged: incoming.length - added - updated };
  }

  /** Import the text of a file the member chose; a file that is not JSON is refused like a malformed one. */
  async importText(text) {
    let document;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new RecordError(`not a JSON file (${error.message})`);
    }
    return this.importDocument(document);
  }
}

const DB_VERSION = 1;
const STORE = 'wallets';

function requested(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** IndexedDB storage: one database per organisation, wallets keyed as in the CLI's SQLite record. */
export function indexedDbBackend(organisation, indexedDB = globalThis.indexedDB) {
  const opening = indexedDB.open(`vigil-record:${organisation}`, DB_VERSION);
  opening.onupgradeneeded = () => {
    opening.result.createObjectStore(STORE, { keyPath: ['namespace', 'canonical', 'key_id'] });
  };
  const database = requested(opening);
  return {
    async getAll() {
      const db = await database;
      return requested(db.transaction(STORE, 'readonly').objectStore(STORE).getAll());
    },
    async putAll(wallets) {
      const db = await database;
      const transaction = db.transaction(STORE, 'readwrite');
      const store = transaction.objectStore(STORE);
      for (const wallet of wallets) store.put(wallet);
      await new Promise((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error);
        transaction.onabort = () => reject(transaction.error);
      });
    },
  };
}

/** The record of `organisation` (its slug) in this browser. */
export function openRecord(organisation, indexedDB = globalThis.indexedDB) {
  return new Record(organisation, indexedDbBackend(organisation, indexedDB));
}
