import type { Problem } from "@/lib/problems";

/**
 * The typed reply model, shared by server and client (docs/architecture.md "Replies").
 *
 * Bulk strings carry bytes. On the wire (JSON, server actions) they travel as
 * UTF-8 text when the bytes are valid UTF-8, otherwise as base64 with `b64: true`,
 * so binary values survive the trip byte for byte.
 */
export type Reply =
  | { t: "status"; v: string }
  | { t: "error"; v: string; problem?: Problem; cli?: true } // problem: a playground refusal (lib/problems.ts); Redis's own errors have none. cli: redis-cli's own message (a line it cannot read), printed without "(error) "
  | { t: "integer"; v: number | string } // string when beyond 2^53
  | { t: "double"; v: string }
  | { t: "bulk"; v: string; b64?: true; more?: number }
  | { t: "verbatim"; v: string; format: string; more?: number }
  | { t: "nil" }
  | { t: "bool"; v: boolean }
  | { t: "array"; v: Reply[]; more?: number }
  | { t: "set"; v: Reply[]; more?: number }
  | { t: "push"; v: Reply[]; more?: number }
  | { t: "map"; v: Reply[]; more?: number }; // flat [k1, v1, k2, v2, …]
// `more`: the playground cut this reply for the browser; that many elements
// (or bytes, for a bulk or verbatim string) were left out. redis-cli never sees it.
// The reply decoder (lib/resp/decoder.ts) may already have cut it while reading.

export type ReplyType = Reply["t"];

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Builds a bulk reply from bytes, choosing the lossless wire form. */
export function bulk(bytes: Uint8Array): Reply {
  try {
    return { t: "bulk", v: utf8Decoder.decode(bytes) };
  } catch {
    return { t: "bulk", v: bytesToBase64(bytes), b64: true };
  }
}

/** The bytes of a bulk reply (inverse of `bulk`). */
export function bulkBytes(r: { v: string; b64?: true }): Uint8Array {
  return r.b64 ? base64ToBytes(r.v) : utf8Encoder.encode(r.v);
}

export const status = (v: string): Reply => ({ t: "status", v });
export const error = (v: string): Reply => ({ t: "error", v });
export const integer = (v: number): Reply => ({ t: "integer", v });
export const nil: Reply = { t: "nil" };
export const array = (v: Reply[]): Reply => ({ t: "array", v });

function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
