/**
 * Canonical wallet addresses per namespace: the JavaScript twin of client/vigil_client/addresses.py.
 *
 * Normalisation is half of the token contract, so every rule, refusal reason and message here
 * matches the Python module exactly; frontend/test/addresses.test.js runs both over one shared
 * vector file. Codecs come from @scure/base, hashes and curve checks from @noble; only the
 * CashAddr checksum (a BCH code no dependency ships) is written out here.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base58, base58xmr, bech32, bech32m, createBase58check } from '@scure/base';

export const NAMESPACES = Object.freeze(['btc', 'evm', 'trx', 'ltc', 'bch', 'doge', 'xmr', 'sol']);

export const REASONS = Object.freeze({
  empty: 'nothing is left once whitespace and any payment-URI wrapper are stripped',
  unknown_namespace: 'the namespace is not one of NAMESPACES',
  bad_character: 'a character outside the address alphabet, or not ASCII',
  mixed_case: 'a bech32 or CashAddr address mixing upper and lower case',
  bad_length: 'the address or what it decodes to has the wrong length',
  bad_checksum: 'the checksum does not match',
  bech32_variant: 'bech32 where witness v1+ needs bech32m, or bech32m where v0 needs bech32',
  bad_witness_version: 'a segwit witness version above 16',
  bad_padding: 'bech32 or CashAddr data whose bit padding is invalid',
  bad_encoding: 'a Monero base58 block that overflows its 8 bytes',
  invalid_key: 'a Monero spend or view key that is not a curve point',
  unknown_prefix: 'a URI scheme, prefix, HRP, version or network byte of another chain or kind',
  testnet: 'a valid testnet, stagenet or regtest address; only mainnet wallets are tokenised',
  unsupported_uri: 'an ethereum: URI calling a function: its target is a contract, not a payee',
});

// ASCII whitespace and the invisible characters copy-paste leaves; the same set as Python's.
export const WHITESPACE = ' \t\n\r\f\v\u00a0\u200b\ufeff';

const URI_SCHEMES = {
  btc: 'bitcoin',
  evm: 'ethereum',
  trx: 'tron',
  ltc: 'litecoin',
  bch: 'bitcoincash',
  doge: 'dogecoin',
  xmr: 'monero',
  sol: 'solana',
};

// Longer than any address; refusing early bounds the quadratic base58 decoders.
const MAX_LENGTH = 128;
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const HEX = '0123456789abcdefABCDEF';
// An HRP, the separator and a data part: a bech32 address of some chain.
const BECH32_SHAPE = new RegExp(`^([a-z]{1,83})1[${BECH32}]{6,}$`);

const CASHADDR_PREFIXES = ['bitcoincash', 'bchtest', 'bchreg']; // mainnet's first
// Hash length in bytes for each value of the CashAddr version byte's three size bits.
const CASHADDR_HASH_SIZES = [20, 24, 28, 32, 40, 48, 56, 64];

const XMR_MAINNET = new Set([18, 19, 42]); // standard, integrated, subaddress
const XMR_TESTNETS = new Set([53, 54, 63, 24, 25, 36]); // the same three on testnet, then stagenet
const XMR_INTEGRATED = new Set([19, 54, 25]);
const XMR_STANDARD = 18;
const XMR_KEY = 32;
const XMR_PAYMENT_ID = 8;

const base58check = createBase58check(sha256);

/** An address refused by normalise(); `reason` is a stable code from REASONS. */
export class AddressError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'AddressError';
    this.reason = reason;
  }
}

// Base58check version bytes and bech32 HRPs of one chain's addresses (mainnet's HRP first).
const BTC = { versions: [0x00, 0x05], testnetVersions: [0x6f, 0xc4], hrps: ['bc', 'tb', 'bcrt'] };
const LTC = { versions: [0x30, 0x32, 0x05], testnetVersions: [0x6f, 0x3a, 0xc4], hrps: ['ltc', 'tltc', 'rltc'] };
const DOGE = { versions: [0x1e, 0x16], testnetVersions: [0x71, 0x6f, 0xc4], hrps: [] };
const TRX = { versions: [0x41], testnetVersions: [], hrps: [] };

/** The canonical form of `address` in `namespace`; throws AddressError if it is not valid. */
export function normalise(namespace, address) {
  const normaliser = Object.hasOwn(NORMALISERS, namespace) ? NORMALISERS[namespace] : undefined;
  if (normaliser === undefined) {
    const message = `unknown namespace ${pyRepr(String(namespace))}; use one of ${NAMESPACES.join(', ')}`;
    throw new AddressError('unknown_namespace', message);
  }
  const text = unwrap(namespace, String(address));
  if (!text) throw new AddressError('empty', 'no address given');
  if (!/^[\x00-\x7f]*$/.test(text)) throw new AddressError('bad_character', 'addresses are plain ASCII');
  if (text.length > MAX_LENGTH) {
    throw new AddressError('bad_length', `${text.length} characters is longer than any address`);
  }
  return normaliser(text);
}

/** The bytes a wallet token is computed from: UTF-8 of `wallet:<namespace>:<canonical address>`. */
export function oprfInput(namespace, address) {
  return utf8ToBytes(`wallet:${namespace}:${normalise(namespace, address)}`);
}

function strip(text, characters) {
  let start = 0;
  let end = text.length;
  while (start < end && characters.includes(text[start])) start++;
  while (end > start && characters.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

// Python's str.partition: the text before the first separator, whether it was found, the rest.
function partition(text, separator) {
  const at = text.indexOf(separator);
  return at === -1 ? [text, false, ''] : [text.slice(0, at), true, text.slice(at + separator.length)];
}

/** Strip whitespace and a payment-URI wrapper (scheme and query string) from an address. */
function unwrap(namespace, address) {
  const text = strip(address, WHITESPACE);
  const [scheme, colon, rest] = partition(text, ':');
  if (!colon) return text;
  const target = partition(rest, '?')[0];
  if (!target) return '';
  // "bitcoincash:" is both the URI scheme and the CashAddr prefix, so it stays.
  if (namespace === 'bch') return `${scheme}:${target}`;
  if (scheme.toLowerCase() !== URI_SCHEMES[namespace]) {
    throw new AddressError('unknown_prefix', `'${scheme}:' is not the ${namespace} URI scheme`);
  }
  return namespace === 'evm' ? eip681Target(target) : target;
}

/** The payee in an EIP-681 URI body `[pay-]<address>[@<chain id>]`. */
function eip681Target(target) {
  const body = target.startsWith('pay-') ? target.slice(4) : target;
  if (body.includes('/')) {
    throw new AddressError('unsupported_uri', 'a function-call URI names a contract, not a payee');
  }
  return partition(body, '@')[0];
}

// Python's repr() of a string, so that messages read the same on both sides.
function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const named = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  let body = '';
  for (const char of text) {
    const code = char.codePointAt(0);
    if (named[char]) body += named[char];
    else if (char === quote) body += `\\${quote}`;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa1) || code === 0xad) {
      body += `\\x${code.toString(16).padStart(2, '0')}`;
    } else body += char;
  }
  return quote + body + quote;
}

function requireAlphabet(text, alphabet, name) {
  for (const char of text) {
    if (!alphabet.includes(char)) throw new AddressError('bad_character', `${pyRepr(char)} is not a ${name} character`);
  }
}

function isMixedCase(text) {
  return text !== text.toLowerCase() && text !== text.toUpperCase();
}

const hex2 = (value) => `0x${value.toString(16).padStart(2, '0')}`;

/** A btc or ltc address: segwit when it starts with one of the chain's HRPs, else base58. */
function bitcoinLike(network, text) {
  const lowered = text.toLowerCase();
  const hrp = network.hrps.find((candidate) => lowered.startsWith(`${candidate}1`));
  if (hrp === undefined) return base58Kept(network, text);
  try {
    return segwit(text, hrp, network);
  } catch (segwitError) {
    // A base58 address can begin like bech32 (litecoin "Ltc1…"); it is valid if it decodes.
    try {
      return base58Kept(network, text);
    } catch {
      throw segwitError;
    }
  }
}

/** Check a segwit address (BIP-173 bech32 for v0, BIP-350 bech32m for v1+); lowercase it. */
function segwit(text, hrp, network) {
  if (isMixedCase(text)) throw new AddressError('mixed_case', 'bech32 is all lower case or all upper case');
  const address = text.toLowerCase();
  const dataPart = address.slice(hrp.length + 1);
  requireAlphabet(dataPart, BECH32, 'bech32');
  if (dataPart.length < 7) throw new AddressError('bad_length', 'no witness program'); // version + checksum
  // The data part holds no "1", so the library splits at the HRP we matched; no length limit here.
  const asBech32m = bech32m.decodeUnsafe(address, false);
  const decoded = asBech32m ?? bech32.decodeUnsafe(address, false);
  if (decoded === undefined) throw new AddressError('bad_checksum', 'bech32 checksum does not match');
  const [version, ...words] = decoded.words;
  if (version > 16) throw new AddressError('bad_witness_version', `witness version ${version} is above 16`);
  const program = bech32.fromWordsUnsafe(words);
  if (program === undefined) throw new AddressError('bad_padding', 'witness program has invalid padding');
  const size = program.length;
  if (size < 2 || size > 40 || (version === 0 && size !== 20 && size !== 32)) {
    throw new AddressError('bad_length', `witness v${version} program of ${size} bytes`);
  }
  if ((asBech32m !== undefined) !== version > 0) {
    const needed = version ? 'bech32m' : 'bech32';
    throw new AddressError('bech32_variant', `witness v${version} must use ${needed} (BIP-350)`);
  }
  if (hrp !== network.hrps[0]) throw new AddressError('testnet', `'${hrp}1' is a test network address`);
  return address;
}

/** A base58check address of the network, which is canonical as given. */
function base58Kept(network, text) {
  base58checkPayload(text, network);
  return text;
}

/** The version byte and 20-byte hash of a mainnet base58check address of the network. */
function base58checkPayload(text, network) {
  let payload;
  try {
    payload = decodeBase58check(text);
  } catch (error) {
    // Say so when it is a bech32 address of another chain (bech32 is never mixed case).
    const shape = isMixedCase(text) ? null : BECH32_SHAPE.exec(text.toLowerCase());
    if (shape === null) throw error;
    throw new AddressError('unknown_prefix', `bech32 prefix '${shape[1]}1' is not one of this chain's`);
  }
  const version = payload[0];
  if (network.testnetVersions.includes(version)) {
    throw new AddressError('testnet', `version byte ${hex2(version)} is a test network address`);
  }
  if (!network.versions.includes(version)) {
    throw new AddressError('unknown_prefix', `version byte ${hex2(version)} is not this chain's`);
  }
  return payload;
}

/** Decode a base58check address to its 21 bytes: version byte and hash. */
function decodeBase58check(text) {
  requireAlphabet(text, BASE58, 'base58');
  const size = base58.decode(text).length;
  if (size !== 25) throw new AddressError('bad_length', `decodes to ${size} bytes; an address has 25`);
  try {
    return base58check.decode(text);
  } catch {
    throw new AddressError('bad_checksum', 'base58check checksum does not match');
  }
}

/** 0x and 40 hex digits; a mixed-case spelling must carry a valid EIP-55 checksum. */
function evm(text) {
  if (!text.startsWith('0x')) throw new AddressError('unknown_prefix', 'an EVM address starts with 0x');
  const digits = text.slice(2);
  requireAlphabet(digits, HEX, 'hex');
  if (digits.length !== 40) {
    throw new AddressError('bad_length', `${digits.length} hex digits; an EVM address has 40`);
  }
  if (isMixedCase(digits) && digits !== eip55(digits.toLowerCase())) {
    throw new AddressError('bad_checksum', 'mixed case that fails EIP-55');
  }
  return `0x${digits.toLowerCase()}`;
}

/** EIP-55: a letter is upper case where the keccak-256 of the lower-case hex has a nibble >= 8. */
function eip55(lowerHex) {
  const hash = bytesToHex(keccak_256(utf8ToBytes(lowerHex)));
  let spelt = '';
  for (let i = 0; i < lowerHex.length; i++) {
    spelt += parseInt(hash[i], 16) >= 8 ? lowerHex[i].toUpperCase() : lowerHex[i];
  }
  return spelt;
}

/** TRON base58check ("T…") as given, or its hex form ("41…", optionally "0x41…") encoded. */
function trx(text) {
  const digits = text.startsWith('0x') ? text.slice(2) : text;
  if (digits === text && ![...text].every((char) => HEX.includes(char))) return base58Kept(TRX, text);
  requireAlphabet(digits, HEX, 'hex');
  if (digits.length !== 42) {
    throw new AddressError('bad_length', `${digits.length} hex digits; a TRON address has 42`);
  }
  if (!digits.startsWith('41')) throw new AddressError('unknown_prefix', 'a TRON hex address starts with 41');
  return base58check.encode(hexToBytes(digits.toLowerCase()));
}

/** CashAddr with or without its prefix, or legacy base58, as lowercase prefixed CashAddr. */
function bch(text) {
  const at = text.lastIndexOf(':');
  const colon = at !== -1;
  const prefix = colon ? text.slice(0, at) : '';
  const body = text.slice(at + 1);
  if (!colon && !'qpzr'.includes(body[0].toLowerCase())) {
    const payload = base58checkPayload(text, BTC); // legacy addresses share bitcoin's versions
    return cashaddr(payload[0] === 0x00 ? 0 : 1, payload.subarray(1));
  }
  if (colon && !CASHADDR_PREFIXES.includes(prefix.toLowerCase())) {
    throw new AddressError('unknown_prefix', `'${prefix}:' is not a CashAddr prefix`);
  }
  if (isMixedCase(text)) throw new AddressError('mixed_case', 'CashAddr is all lower case or all upper case');
  requireAlphabet(body.toLowerCase(), BECH32, 'CashAddr');
  if (body.length <= 8) throw new AddressError('bad_length', 'no CashAddr payload'); // the checksum alone is 8
  const values = [...body.toLowerCase()].map((char) => BECH32.indexOf(char));
  // Without a prefix, the prefix the checksum was computed with tells the network.
  const candidates = colon ? [prefix.toLowerCase()] : CASHADDR_PREFIXES;
  const network = candidates.find((candidate) => cashaddrPolymod(candidate, values) === 0n);
  if (network === undefined) throw new AddressError('bad_checksum', 'CashAddr checksum does not match');
  const data = bech32.fromWordsUnsafe(values.slice(0, -8));
  if (data === undefined) throw new AddressError('bad_padding', 'CashAddr payload has invalid padding');
  const version = data[0];
  const digest = data.subarray(1);
  const kind = version >> 3; // 0 P2PKH, 1 P2SH, 2 and 3 their token-aware forms; bit 7 is reserved
  if (kind > 3) throw new AddressError('unknown_prefix', `CashAddr version byte ${hex2(version)}`);
  const sizes = kind % 2 === 0 ? [20] : [20, 32]; // P2PKH hashes 20 bytes; P2SH 20 or 32
  if (!sizes.includes(digest.length) || CASHADDR_HASH_SIZES[version & 7] !== digest.length) {
    throw new AddressError('bad_length', `CashAddr hash of ${digest.length} bytes`);
  }
  if (network !== CASHADDR_PREFIXES[0]) throw new AddressError('testnet', `'${network}:' is a test network address`);
  // A token-aware address pays the same locking script as the plain one: one wallet, one form.
  return cashaddr(kind % 2, digest);
}

function cashaddr(kind, digest) {
  const version = (kind << 3) | CASHADDR_HASH_SIZES.indexOf(digest.length);
  const words = bech32.toWords(Uint8Array.of(version, ...digest));
  const prefix = CASHADDR_PREFIXES[0];
  const checksum = cashaddrPolymod(prefix, [...words, 0, 0, 0, 0, 0, 0, 0, 0]);
  const checkWords = [];
  for (let i = 7; i >= 0; i--) checkWords.push(Number((checksum >> BigInt(5 * i)) & 31n));
  return `${prefix}:${[...words, ...checkWords].map((word) => BECH32[word]).join('')}`;
}

// The CashAddr checksum (a BCH code over GF(32), spec/cashaddr.md): the prefix's low five bits,
// a zero separator, then the payload. A valid address leaves zero.
const CASHADDR_GENERATORS = [0x98f2bc8e61n, 0x79b76d99e2n, 0xf33e5fb3c4n, 0xae2eabe2a8n, 0x1e4f43e470n];
function cashaddrPolymod(prefix, values) {
  let checksum = 1n;
  for (const value of [...[...prefix].map((char) => char.charCodeAt(0) & 31), 0, ...values]) {
    const top = checksum >> 35n;
    checksum = ((checksum & 0x07ffffffffn) << 5n) ^ BigInt(value);
    CASHADDR_GENERATORS.forEach((generator, bit) => {
      if ((top >> BigInt(bit)) & 1n) checksum ^= generator;
    });
  }
  return checksum ^ 1n;
}

/** Monero standard or subaddress as given; integrated reduced to its standard address. */
function xmr(text) {
  requireAlphabet(text, BASE58, 'base58');
  if (text.length !== 95 && text.length !== 106) {
    throw new AddressError('bad_length', `${text.length} characters; Monero uses 95 or 106`);
  }
  let raw;
  try {
    raw = base58xmr.decode(text);
  } catch {
    raw = undefined;
  }
  // A block that overflows its bytes has no canonical spelling: it never re-encodes to itself.
  if (raw === undefined || base58xmr.encode(raw) !== text) {
    throw new AddressError('bad_encoding', 'a base58 block overflows its 8 bytes');
  }
  const payload = raw.subarray(0, -4);
  if (bytesToHex(keccakChecksum(payload)) !== bytesToHex(raw.subarray(-4))) {
    throw new AddressError('bad_checksum', 'keccak checksum does not match');
  }
  const network = payload[0];
  if (!XMR_MAINNET.has(network) && !XMR_TESTNETS.has(network)) {
    throw new AddressError('unknown_prefix', `network byte ${network} is not Monero's`);
  }
  const paymentId = XMR_INTEGRATED.has(network) ? XMR_PAYMENT_ID : 0;
  if (payload.length !== 1 + 2 * XMR_KEY + paymentId) {
    throw new AddressError('bad_length', `${payload.length}-byte payload for network byte ${network}`);
  }
  const keys = payload.subarray(1, 1 + 2 * XMR_KEY);
  if (![keys.subarray(0, XMR_KEY), keys.subarray(XMR_KEY)].every(isMoneroKey)) {
    throw new AddressError('invalid_key', 'spend or view key is not a valid curve point');
  }
  if (XMR_TESTNETS.has(network)) throw new AddressError('testnet', `network byte ${network} is testnet or stagenet`);
  if (!paymentId) return text;
  const standard = Uint8Array.of(XMR_STANDARD, ...keys);
  return base58xmr.encode(Uint8Array.of(...standard, ...keccakChecksum(standard)));
}

function keccakChecksum(payload) {
  return keccak_256(payload).subarray(0, 4);
}

// Monero wallets accept any encoding that decodes to a curve point, a y of 2^255 - 19 or more
// and a set sign bit on x = 0 included: exactly ZIP-215's lenient decoding.
function isMoneroKey(key) {
  try {
    ed25519.Point.fromBytes(key, true);
    return true;
  } catch {
    return false;
  }
}

/** Base58 of 32 bytes, as given; no curve check: program-derived addresses lie off it. */
function sol(text) {
  requireAlphabet(text, BASE58, 'base58');
  const size = base58.decode(text).length;
  if (size !== 32) throw new AddressError('bad_length', `decodes to ${size} bytes; a Solana address has 32`);
  return text;
}

const NORMALISERS = Object.freeze({
  btc: (text) => bitcoinLike(BTC, text),
  evm,
  trx,
  ltc: (text) => bitcoinLike(LTC, text),
  bch,
  doge: (text) => base58Kept(DOGE, text),
  xmr,
  sol,
});
