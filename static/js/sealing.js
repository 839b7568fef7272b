// Browser sealing of bid envelopes with WebCrypto: the `intl` suite of docs/crypto.md, format version 2
// (BLAKE3 frame digests, from ./blake3.js since WebCrypto has no BLAKE3; the trailer lists them).
//
// The bid (opening summary + documents) is encrypted in the bidder's browser, chunk by chunk,
// straight from the File objects; only the envelope leaves the page. The format is the one
// the Python package `sealing` reads and writes (python -m sealing), byte for byte.
//
//   import { sealEnvelope, privateKeyFromPem, publicKeyFromPem } from "/static/js/sealing.js";
//   const signer = await privateKeyFromPem(keyFileText, passphrase);   // encrypted PKCS#8
//   const opening = publicKeyFromPem(openingKeyPem);
//   const envelope = await sealEnvelope({ summary, documents: [{ name, blob }], signer, openingKey: opening,
//                                         labels: { section_code: "S001" } });   // → Blob
//
// Pass `write: async (bytes) => ...` to stream the envelope somewhere instead of building a Blob.
//
// At the opening the bidder releases its envelope's content key:
//   const contentKey = await unwrapContentKey(envelopeBlobOrBytes, signer);   // → Uint8Array (32 bytes)
//
// A custodian of a project's opening key opens its share (or a key check) the same way, with its own key:
//   const opened = await shareDecrypt(shareRecord, custodianKey);   // → { key_id, index, threshold, secret }
//
// Errors are SealingError: `code` says which failure it is ("not-a-key-file", "bad-passphrase", "gm-key",
// "wrong-key", "not-a-share", "damaged"), so that a page can say it in its own language; the message is English.

import { blake3 } from "./blake3.js";

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

export const MAGIC = new Uint8Array([0x53, 0x55, 0x4e, 0x53, 0x45, 0x41, 0x4c, 0x1a]); // "SUNSEAL\x1a"
export const VERSION = 2;
export const SUITE_INTL = 1;
export const DEFAULT_CHUNK_SIZE = 1 << 20;
const FINAL_FLAG = 0x80000000;
const ROLE = { bidder: 1, opening: 2 };
const WRAP_INFO = encoder.encode("SUNSEAL-v1 wrap");
const SIGNATURE_CONTEXT = encoder.encode("SUNSEAL-v1 signature\0");
const KEY_CHECK_CONTEXT = encoder.encode("SUNSEAL-v1 key check\0");
const SHARE_ROLE = 3;
const SM2_CURVE = "1.2.156.10197.1.301";
// SubjectPublicKeyInfo DER prefix of an uncompressed P-256 point (id-ecPublicKey, prime256v1).
const P256_SPKI_PREFIX = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
const PRICE_PATTERN = /^(0|[1-9][0-9]{0,13})(\.[0-9]{1,2})?$/;

/** A failure a page names in its own words: ``code`` is one of those listed at the top of this module. */
export class SealingError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function hex(text) {
  return new Uint8Array(text.match(/../g).map((pair) => parseInt(pair, 16)));
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function u16(value) {
  return new Uint8Array([(value >>> 8) & 0xff, value & 0xff]);
}

function u32(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function unbase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function sha256(...parts) {
  return new Uint8Array(await subtle.digest("SHA-256", parts.length === 1 ? parts[0] : concat(...parts)));
}

function pemBody(pem, label) {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  if (!match) throw new SealingError("not-a-key-file", `this is not a PEM "${label}" file`);
  return unbase64(match[1].replace(/\s+/g, ""));
}

// ------------------------------------------------------------------ DER, just enough for key files

function derRead(bytes, offset = 0) {
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    start += count;
  }
  return { tag, start, end: start + length, value: bytes.subarray(start, start + length) };
}

function derChildren(node, bytes) {
  const children = [];
  for (let offset = node.start; offset < node.end; ) {
    const child = derRead(bytes, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

function derOid(node) {
  const v = node.value;
  const parts = [Math.floor(v[0] / 40), v[0] % 40];
  let n = 0;
  for (let i = 1; i < v.length; i++) {
    n = n * 128 + (v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join(".");
}

function derInteger(node) {
  return node.value.reduce((n, b) => n * 256 + b, 0);
}

/** The SubjectPublicKeyInfo DER of a P-256 public key PEM (as `python -m sealing keygen` writes). */
export function publicKeyFromPem(pem) {
  const der = pemBody(pem, "PUBLIC KEY");
  if (der.length !== 91 || toHex(der.subarray(0, 26)) !== toHex(P256_SPKI_PREFIX)) {
    throw new Error("the browser seals with P-256 (intl) keys only; this public key is of another kind");
  }
  return der;
}

/**
 * Decrypt an encrypted PKCS#8 private key file (PBKDF2-HMAC-SHA256 + AES-256-CBC, what
 * `python -m sealing keygen` writes) and import it for signing.
 * Returns { signingKey: CryptoKey, publicKey: SPKI DER bytes }.
 */
export async function privateKeyFromPem(pem, passphrase) {
  const der = pemBody(pem, "ENCRYPTED PRIVATE KEY");
  const notKeyFile = (message) => new SealingError("not-a-key-file", message);
  let salt, iterations, iv, encrypted;
  try {
    const [algorithm, ciphertext] = derChildren(derRead(der), der);
    encrypted = ciphertext;
    const [schemeOid, params] = derChildren(algorithm, der);
    if (derOid(schemeOid) !== "1.2.840.113549.1.5.13") throw notKeyFile("the key file is not PBES2-encrypted");
    const [kdf, cipher] = derChildren(params, der);
    const [kdfOid, kdfParams] = derChildren(kdf, der);
    if (derOid(kdfOid) !== "1.2.840.113549.1.5.12") throw notKeyFile("the key file does not use PBKDF2");
    const kdfFields = derChildren(kdfParams, der);
    salt = kdfFields[0].value;
    iterations = derInteger(kdfFields[1]);
    const prf = kdfFields.find((f) => f.tag === 0x30);
    if (prf && derOid(derChildren(prf, der)[0]) !== "1.2.840.113549.2.9") {
      throw notKeyFile("the key file's PBKDF2 does not use HMAC-SHA256");
    }
    const [cipherOid, cipherIv] = derChildren(cipher, der);
    if (derOid(cipherOid) !== "2.16.840.1.101.3.4.1.42") throw notKeyFile("the key file is not AES-256-CBC encrypted");
    iv = cipherIv;
  } catch (error) {
    throw error instanceof SealingError ? error : notKeyFile("the key file is damaged: its structure does not read");
  }
  const password = await subtle.importKey("raw", encoder.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  const kek = await subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    password,
    { name: "AES-CBC", length: 256 },
    false,
    ["decrypt"],
  );
  const badPassphrase = () => new SealingError("bad-passphrase",
    "the passphrase does not open this private key file; type it again");
  let pkcs8;
  try {
    pkcs8 = new Uint8Array(await subtle.decrypt({ name: "AES-CBC", iv: iv.value }, kek, encrypted.value));
  } catch {
    throw badPassphrase();
  }
  if (privateKeyCurve(pkcs8) === SM2_CURVE) {
    throw new SealingError("gm-key", "this is an SM2 (gm) key: the browser works with P-256 (intl) keys only");
  }
  let signingKey, ecdhKey;
  try {
    signingKey = await subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    // The same key unwraps the bidder's own content key at the opening (unwrapContentKey).
    ecdhKey = await subtle.importKey("pkcs8", pkcs8, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  } catch {
    throw badPassphrase();  // a wrong passphrase that happened to leave valid padding: garbage, not a key
  }
  const jwk = await subtle.exportKey("jwk", signingKey);
  const point = concat(new Uint8Array([4]), unbase64url(jwk.x), unbase64url(jwk.y));
  return { signingKey, ecdhKey, publicKey: concat(P256_SPKI_PREFIX, point) };
}

/** The curve OID of a PrivateKeyInfo (PKCS#8) of an EC key, or "" when it does not read as one. */
function privateKeyCurve(pkcs8) {
  try {
    const [, algorithm] = derChildren(derRead(pkcs8), pkcs8);
    const [, curve] = derChildren(algorithm, pkcs8);
    return curve && curve.tag === 0x06 ? derOid(curve) : "";
  } catch {
    return "";
  }
}

/** The key's fingerprint (key id): SHA-256 of its SubjectPublicKeyInfo DER, 64 hex digits (docs/crypto.md "Keys"). */
export async function keyFingerprint(privateKey) {
  return toHex(await sha256(privateKey.publicKey));
}

function unbase64url(text) {
  return unbase64(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
}

// ------------------------------------------------------------------ sealing

async function wrapTo(contentKey, spki, role) {
  const recipient = await subtle.importKey("spki", spki, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ephemeral = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const shared = await subtle.deriveBits({ name: "ECDH", public: recipient }, ephemeral.privateKey, 256);
  const ephemeralPoint = new Uint8Array(await subtle.exportKey("raw", ephemeral.publicKey));
  const recipientPoint = spki.subarray(P256_SPKI_PREFIX.length);
  const hkdf = await subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
  const okm = new Uint8Array(
    await subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: concat(WRAP_INFO, ephemeralPoint, recipientPoint) },
      hkdf,
      44 * 8,
    ),
  );
  const kek = await subtle.importKey("raw", okm.subarray(0, 32), "AES-GCM", false, ["encrypt"]);
  const wrapped = new Uint8Array(
    await subtle.encrypt(
      { name: "AES-GCM", iv: okm.subarray(32, 44), additionalData: new Uint8Array([role]) },
      kek,
      contentKey,
    ),
  );
  const keyId = await sha256(spki);
  const wrap = concat(ephemeralPoint, wrapped);
  return { keyId, block: concat(new Uint8Array([role]), keyId, u16(wrap.length), wrap) };
}

function summaryCheck(summary) {
  const price = String(summary.price ?? "").trim();
  if (typeof summary.price === "number") {
    throw new Error('give the price as a decimal string such as "1234567.80", not a number');
  }
  if (!PRICE_PATTERN.test(price)) {
    throw new Error(`the price "${price}" is not a bid price in yuan: digits with at most two decimals`);
  }
  const known = new Set(["price", "duration", "quality", "project_manager", "fields"]);
  const fields = { ...(summary.fields || {}) };
  for (const [name, value] of Object.entries(summary)) if (!known.has(name)) fields[name] = value;
  return {
    price,
    duration: String(summary.duration ?? ""),
    quality: String(summary.quality ?? ""),
    project_manager: String(summary.project_manager ?? ""),
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [String(k), String(v)])),
  };
}

function nameCheck(name) {
  const normal = String(name).normalize("NFC");
  // eslint-disable-next-line no-control-regex
  if (!normal || normal === "." || normal === ".." || /[\/\\\u0000-\u001f\u007f]/.test(normal) ||
      normal !== normal.trim() || encoder.encode(normal).length > 255) {
    throw new Error(`the document name "${name}" is not a plain file name`);
  }
  return normal;
}

/** Yields the content (u32 manifest length | manifest | documents) into `target`, reading Blobs by slices. */
class Plaintext {
  constructor(manifest, documents) {
    this.parts = [concat(u32(manifest.length), manifest), ...documents.map((d) => d.blob)];
    this.size = this.parts.reduce((n, p) => n + (p.size ?? p.length), 0);
    this.part = 0;
    this.offset = 0;
  }

  async fill(target) {
    let filled = 0;
    while (filled < target.length && this.part < this.parts.length) {
      const part = this.parts[this.part];
      const partSize = part.size ?? part.length;
      const take = Math.min(partSize - this.offset, target.length - filled);
      const bytes = part instanceof Uint8Array
        ? part.subarray(this.offset, this.offset + take)
        : new Uint8Array(await part.slice(this.offset, this.offset + take).arrayBuffer());
      if (bytes.length !== take) throw new Error("a document changed while it was being sealed; seal again");
      target.set(bytes, filled);
      filled += take;
      this.offset += take;
      if (this.offset === partSize) {
        this.part += 1;
        this.offset = 0;
      }
    }
    return filled;
  }
}

/**
 * Seal an opening summary and documents into an `intl` envelope.
 *
 * summary:    { price: "1234567.80", duration, quality, project_manager, fields: {name: text} }
 * documents:  [{ name, blob }]  (File or Blob; read slice by slice, never whole)
 * signer:     { signingKey: CryptoKey (ECDSA P-256, sign), publicKey: SPKI DER bytes } (privateKeyFromPem)
 * openingKey: the project's opening public key, SPKI DER bytes (publicKeyFromPem)
 * labels:     public, signed text such as { deal_code, section_code }
 * write:      optional async (Uint8Array) => void receiving the envelope in order; without it a Blob is returned
 * onProgress: optional (doneBytes, totalBytes) => void
 */
export async function sealEnvelope({
  summary, documents = [], signer, openingKey, labels = {}, chunkSize = DEFAULT_CHUNK_SIZE, write, onProgress,
}) {
  const parts = [];
  const emit = write || (async (bytes) => parts.push(bytes));
  const names = new Set();
  const docs = documents.map(({ name, blob }) => {
    const checked = nameCheck(name);
    if (names.has(checked.toLowerCase())) throw new Error(`two documents are called "${checked}"`);
    names.add(checked.toLowerCase());
    return { name: checked, blob };
  });
  const manifest = encoder.encode(JSON.stringify({
    summary: summaryCheck(summary),
    documents: docs.map((d) => ({ name: d.name, size: d.blob.size })),
  }));
  const plaintext = new Plaintext(manifest, docs);
  const chunkCount = Math.max(1, Math.ceil(plaintext.size / chunkSize));

  const contentKeyBytes = crypto.getRandomValues(new Uint8Array(32));
  const noncePrefix = crypto.getRandomValues(new Uint8Array(7));
  const bidder = await wrapTo(contentKeyBytes, signer.publicKey, ROLE.bidder);
  const opening = await wrapTo(contentKeyBytes, openingKey, ROLE.opening);
  const header = {
    suite: "intl",
    chunk_size: chunkSize,
    chunk_count: chunkCount,
    nonce_prefix: base64(noncePrefix),
    key_check: base64(await sha256(KEY_CHECK_CONTEXT, contentKeyBytes)),
    signer: { public_key: base64(signer.publicKey) },
    recipients: [
      { role: "bidder", key_id: toHex(bidder.keyId), digest: toHex(await sha256(bidder.block)) },
      { role: "opening", key_id: toHex(opening.keyId), digest: toHex(await sha256(opening.block)) },
    ],
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [String(k), String(v)])),
    created: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const headerBytes = encoder.encode(JSON.stringify(header));
  const preamble = concat(MAGIC, new Uint8Array([VERSION, SUITE_INTL, 0, 0]), u32(headerBytes.length));
  const headerDigest = await sha256(preamble, headerBytes);
  await emit(concat(preamble, headerBytes, headerDigest, bidder.block, opening.block));

  const contentKey = await subtle.importKey("raw", contentKeyBytes, "AES-GCM", false, ["encrypt"]);
  contentKeyBytes.fill(0);
  const plain = new Uint8Array(chunkSize);
  const frameDigests = new Uint8Array(32 * chunkCount);
  for (let index = 0; index < chunkCount; index++) {
    const final = index === chunkCount - 1;
    const length = await plaintext.fill(plain.subarray(0, Math.min(chunkSize, plaintext.size - index * chunkSize)));
    const nonce = concat(noncePrefix, u32(index), new Uint8Array([final ? 1 : 0]));
    const sealed = new Uint8Array(
      await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: headerDigest }, contentKey,
        plain.subarray(0, length)),
    );
    const frame = concat(u32(index), u32(final ? (length | FINAL_FLAG) >>> 0 : length), sealed);
    frameDigests.set(blake3(frame), 32 * index);
    await emit(frame);
    if (onProgress) onProgress(Math.min(plaintext.size, (index + 1) * chunkSize), plaintext.size);
  }
  plain.fill(0);
  const bodyDigest = await sha256(frameDigests);
  const signature = new Uint8Array(
    await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signer.signingKey,
      concat(SIGNATURE_CONTEXT, headerDigest, bodyDigest)),
  );
  // Trailer: u32 N || d_0 .. d_{N-1} || u16 64 || signature.
  await emit(concat(u32(chunkCount), frameDigests, u16(signature.length), signature));
  return write ? { chunkCount, header } : new Blob(parts, { type: "application/octet-stream" });
}

// ------------------------------------------------------------------ releasing the content key

async function bytesOf(source, start, end) {
  if (source instanceof Uint8Array) {
    if (end > source.length) throw new Error("the envelope is truncated before the end of its recipient blocks");
    return source.subarray(start, end);
  }
  const bytes = new Uint8Array(await source.slice(start, end).arrayBuffer());
  if (bytes.length !== end - start) throw new Error("the envelope is truncated before the end of its recipient blocks");
  return bytes;
}

/**
 * Open an `intl` wrap (docs/crypto.md "Recipient block": E || C || T, ECDH P-256 + HKDF-SHA256 + AES-256-GCM with
 * the role byte as associated data) with one's own key; null when it does not open.
 */
async function unwrapWith(wrap, role, privateKey) {
  const ephemeralPoint = wrap.subarray(0, 65);
  let ephemeral;
  try {
    ephemeral = await subtle.importKey("raw", ephemeralPoint, { name: "ECDH", namedCurve: "P-256" }, false, []);
  } catch {
    return null;
  }
  const shared = await subtle.deriveBits({ name: "ECDH", public: ephemeral }, privateKey.ecdhKey, 256);
  const hkdf = await subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
  const ownPoint = privateKey.publicKey.subarray(P256_SPKI_PREFIX.length);
  const okm = new Uint8Array(await subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: concat(WRAP_INFO, ephemeralPoint, ownPoint) },
    hkdf, 44 * 8));
  const kek = await subtle.importKey("raw", okm.subarray(0, 32), "AES-GCM", false, ["decrypt"]);
  try {
    return new Uint8Array(await subtle.decrypt(
      { name: "AES-GCM", iv: okm.subarray(32, 44), additionalData: new Uint8Array([role]) }, kek, wrap.subarray(65)));
  } catch {
    return null;
  }
}

/**
 * Recover the content key of an `intl` envelope with the bidder's own key (what it releases at the opening).
 *
 * envelope:   the envelope as a Blob/File or Uint8Array (only the header and recipient blocks are read)
 * privateKey: the object privateKeyFromPem returns ({ ecdhKey, publicKey })
 * Returns the 32-byte content key after checking it against the header's key check.
 */
export async function unwrapContentKey(envelope, privateKey) {
  const preamble = await bytesOf(envelope, 0, 16);
  if (toHex(preamble.subarray(0, 8)) !== toHex(MAGIC)) {
    throw new Error("this file is not a sealed bid envelope: it is NOT encrypted");
  }
  if (preamble[9] !== SUITE_INTL) throw new Error("the browser opens intl envelopes only; use the bidder tool");
  const headerLength = new DataView(preamble.buffer, preamble.byteOffset, 16).getUint32(12);
  if (headerLength > (1 << 20)) throw new Error("the envelope is damaged in the preamble");
  const headerBytes = await bytesOf(envelope, 16, 16 + headerLength);
  const digest = await bytesOf(envelope, 16 + headerLength, 16 + headerLength + 32);
  if (toHex(await sha256(preamble, headerBytes)) !== toHex(digest)) {
    throw new Error("the envelope is damaged in the header: its digest does not match");
  }
  const header = JSON.parse(new TextDecoder().decode(headerBytes));
  const ownId = toHex(await sha256(privateKey.publicKey));
  let offset = 16 + headerLength + 32;
  for (const [position, entry] of header.recipients.entries()) {
    const head = await bytesOf(envelope, offset, offset + 35);
    const size = 35 + ((head[33] << 8) | head[34]);
    const block = await bytesOf(envelope, offset, offset + size);
    offset += size;
    if (entry.key_id !== ownId) continue;
    const where = `recipient block ${position + 1} (${entry.role})`;
    if (toHex(await sha256(block)) !== entry.digest || toHex(block.subarray(1, 33)) !== ownId) {
      throw new Error(`the envelope is damaged in the ${where}`);
    }
    const contentKey = await unwrapWith(block.subarray(35), block[0], privateKey);
    if (!contentKey) throw new Error(`the envelope is damaged in the ${where}: the wrapped key does not open with your key`);
    if (base64(await sha256(KEY_CHECK_CONTEXT, contentKey)) !== header.key_check) {
      throw new Error(`the envelope is damaged in the ${where}: the key does not match the header's key check`);
    }
    return contentKey;
  }
  throw new Error("this envelope is not sealed to your key; load the private key you sealed it with");
}

// ------------------------------------------------------------------ a custodian's share of an opening key

/**
 * Open a custodian's share of a project's opening key, or a key check (docs/crypto.md "Opening-key custody"):
 * the record `{version, key_id, index, threshold, custodian, wrapped}` the platform hands out, the wrap opened with
 * role 3 to the 50-byte `u8 index || u8 k || opening key id (32) || share (16)`, which must repeat the record.
 * What `python -m sealing share-decrypt` prints: `{ key_id, index, threshold, secret }` (secret in hex).
 */
export async function shareDecrypt(share, privateKey) {
  const fields = share && typeof share === "object" ? share : {};
  const isHex = (text, length) => typeof text === "string" && new RegExp(`^[0-9a-f]{${length}}$`).test(text);
  if (!isHex(fields.key_id, 64) || !isHex(fields.custodian, 64) || !Number.isInteger(fields.index)
      || !Number.isInteger(fields.threshold) || typeof fields.wrapped !== "string") {
    throw new SealingError("not-a-share", "this is not a share record of an opening key");
  }
  const own = await keyFingerprint(privateKey);
  if (fields.custodian !== own) {
    throw new SealingError("wrong-key", `share ${fields.index} belongs to custodian ${fields.custodian.slice(0, 16)}…, `
      + `not to the key given (${own.slice(0, 16)}…); each custodian opens only its own share`);
  }
  let wrapped;
  try {
    wrapped = unbase64(fields.wrapped);
  } catch {
    throw new SealingError("not-a-share", "this is not a share record of an opening key");
  }
  const plain = wrapped.length === 65 + 50 + 16 ? await unwrapWith(wrapped, SHARE_ROLE, privateKey) : null;
  if (!plain) {
    throw new SealingError("damaged", `share ${fields.index} does not decrypt with the custodian's key: it is damaged`);
  }
  if (plain.length !== 50 || plain[0] !== fields.index || plain[1] !== fields.threshold
      || toHex(plain.subarray(2, 34)) !== fields.key_id) {
    throw new SealingError("damaged", `share ${fields.index} does not match its own record: the record was altered`);
  }
  return { key_id: fields.key_id, index: fields.index, threshold: fields.threshold, secret: toHex(plain.subarray(34)) };
}
