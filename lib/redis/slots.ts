/**
 * Redis Cluster's key → slot function (cluster.c keyHashSlot): CRC16-XMODEM
 * of the key, or of its hash tag — the bytes between the first `{` and the
 * first `}` after it, when there is at least one byte between them — modulo
 * 16,384. A namespace `pg:{<id>}:` therefore keeps all its keys in one slot.
 */
export const SLOTS = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
}

const enc = new TextEncoder();

/** The slot of a key, as Redis Cluster computes it. */
export function keySlot(key: Uint8Array | string): number {
  const k = typeof key === "string" ? enc.encode(key) : key;
  const open = k.indexOf(0x7b); // {
  if (open >= 0) {
    const close = k.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(k.subarray(open + 1, close)) % SLOTS;
  }
  return crc16(k) % SLOTS;
}
