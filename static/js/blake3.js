// BLAKE3 in plain JavaScript: the default (key-less) hash mode with a 32-byte output, as in the
// BLAKE3 specification (github.com/BLAKE3-team/BLAKE3-specs) and its reference implementation
// (reference_impl/reference_impl.rs). WebCrypto has no BLAKE3; the envelope's frame digests need it
// (docs/crypto.md, format version 2).
//
//   import { blake3 } from "/static/js/blake3.js";
//   const digest = blake3(bytes);   // Uint8Array(32)
//
// The input is hashed in one call, chunk by chunk (1024 bytes, 64-byte blocks), with the chaining
// values of completed subtrees on a stack, merged into parent nodes as chunks complete.

const IV = new Uint32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const CHUNK_START = 1;
const CHUNK_END = 2;
const PARENT = 4;
const ROOT = 8;
const BLOCK_LEN = 64;
const CHUNK_LEN = 1024;
const ROUNDS = 7;

/** The compression function; writes the first 8 words of its output (a chaining value) into `out`. */
function compress(cv, m, counter, blockLen, flags, out) {
  let v0 = cv[0] | 0, v1 = cv[1] | 0, v2 = cv[2] | 0, v3 = cv[3] | 0;
  let v4 = cv[4] | 0, v5 = cv[5] | 0, v6 = cv[6] | 0, v7 = cv[7] | 0;
  let v8 = IV[0] | 0, v9 = IV[1] | 0, v10 = IV[2] | 0, v11 = IV[3] | 0;
  let v12 = counter % 0x100000000 | 0, v13 = Math.floor(counter / 0x100000000) | 0, v14 = blockLen | 0, v15 = flags | 0;
  let m0 = m[0] | 0, m1 = m[1] | 0, m2 = m[2] | 0, m3 = m[3] | 0, m4 = m[4] | 0, m5 = m[5] | 0, m6 = m[6] | 0;
  let m7 = m[7] | 0, m8 = m[8] | 0, m9 = m[9] | 0, m10 = m[10] | 0, m11 = m[11] | 0, m12 = m[12] | 0;
  let m13 = m[13] | 0, m14 = m[14] | 0, m15 = m[15] | 0;
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) {
      // The message permutation between rounds.
      const t0 = m0, t1 = m1, t2 = m2, t3 = m3, t4 = m4, t5 = m5, t6 = m6, t7 = m7;
      const t8 = m8, t9 = m9, t10 = m10, t11 = m11, t12 = m12, t13 = m13, t14 = m14, t15 = m15;
      m0 = t2;
      m1 = t6;
      m2 = t3;
      m3 = t10;
      m4 = t7;
      m5 = t0;
      m6 = t4;
      m7 = t13;
      m8 = t1;
      m9 = t11;
      m10 = t12;
      m11 = t5;
      m12 = t9;
      m13 = t14;
      m14 = t15;
      m15 = t8;
    }
    v0 = (v0 + v4 + m0) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
    v0 = (v0 + v4 + m1) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);
    v1 = (v1 + v5 + m2) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
    v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);
    v2 = (v2 + v6 + m4) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
    v2 = (v2 + v6 + m5) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);
    v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
    v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);
    v0 = (v0 + v5 + m8) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
    v0 = (v0 + v5 + m9) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);
    v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
    v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);
    v2 = (v2 + v7 + m12) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
    v2 = (v2 + v7 + m13) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);
    v3 = (v3 + v4 + m14) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
    v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
  }
  out[0] = v0 ^ v8;
  out[1] = v1 ^ v9;
  out[2] = v2 ^ v10;
  out[3] = v3 ^ v11;
  out[4] = v4 ^ v12;
  out[5] = v5 ^ v13;
  out[6] = v6 ^ v14;
  out[7] = v7 ^ v15;
}

/** Little-endian message words of the 64-byte block at `offset` (`length` bytes of it, zero-padded). */
function wordsOf(bytes, offset, length, m) {
  if (length === BLOCK_LEN) {
    for (let i = 0, o = offset; i < 16; i++, o += 4) {
      m[i] = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
    }
    return;
  }
  const block = new Uint8Array(BLOCK_LEN);
  block.set(bytes.subarray(offset, offset + length));
  wordsOf(block, 0, BLOCK_LEN, m);
}

/**
 * Compress every block of the chunk at `offset` but the last into `cv`, and leave the last block's
 * words in `m`; returns that block's length and flags (the caller compresses it, as a chunk's
 * chaining value or as the root).
 */
function chunkStart(bytes, offset, length, cv, m) {
  cv.set(IV);
  const blocks = Math.max(1, Math.ceil(length / BLOCK_LEN));
  const counter = offset / CHUNK_LEN;
  for (let j = 0; j < blocks - 1; j++) {
    wordsOf(bytes, offset + j * BLOCK_LEN, BLOCK_LEN, m);
    compress(cv, m, counter, BLOCK_LEN, j === 0 ? CHUNK_START : 0, cv);
  }
  const last = length - (blocks - 1) * BLOCK_LEN;
  wordsOf(bytes, offset + (blocks - 1) * BLOCK_LEN, last, m);
  return { blockLen: last, flags: (blocks === 1 ? CHUNK_START : 0) | CHUNK_END, counter };
}

function parentWords(left, right, m) {
  m.set(left, 0);
  m.set(right, 8);
}

/** BLAKE3-256 of `bytes` (a Uint8Array): 32 bytes. */
export function blake3(bytes) {
  const m = new Uint32Array(16);
  const cv = new Uint32Array(8);
  const stack = [];
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_LEN));
  for (let c = 0; c < chunks - 1; c++) {
    const last = chunkStart(bytes, c * CHUNK_LEN, CHUNK_LEN, cv, m);
    let node = new Uint32Array(8);
    compress(cv, m, last.counter, last.blockLen, last.flags, node);
    // A completed subtree for every 1 bit of the chunk count: merge while the count is even.
    for (let total = c + 1; total % 2 === 0; total /= 2) {
      parentWords(stack.pop(), node, m);
      node = new Uint32Array(8);
      compress(IV, m, 0, BLOCK_LEN, PARENT, node);
    }
    stack.push(node);
  }
  // The last chunk's output, then parent outputs up the right edge of the tree; the root gets ROOT.
  const offset = (chunks - 1) * CHUNK_LEN;
  let output = chunkStart(bytes, offset, bytes.length - offset, cv, m);
  let input = cv;
  while (stack.length) {
    const right = new Uint32Array(8);
    compress(input, m, output.counter, output.blockLen, output.flags, right);
    parentWords(stack.pop(), right, m);
    input = IV;
    output = { blockLen: BLOCK_LEN, flags: PARENT, counter: 0 };
  }
  const root = new Uint32Array(8);
  compress(input, m, output.counter, output.blockLen, output.flags | ROOT, root);
  const digest = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    digest[4 * i] = root[i] & 0xff;
    digest[4 * i + 1] = (root[i] >>> 8) & 0xff;
    digest[4 * i + 2] = (root[i] >>> 16) & 0xff;
    digest[4 * i + 3] = root[i] >>> 24;
  }
  return digest;
}
