import type { Sender } from "@/lib/sandbox/acl-users";
import { formatReply } from "@/lib/cli/format-reply";
import type { Reply } from "@/lib/resp/reply";
import type { Namespace } from "@/lib/sandbox/namespace";
import { processKeyIndex, type KeyIndex } from "@/lib/sandbox/key-index";

/**
 * The key inspector beside a lesson: the learner's keys with their type, TTL
 * and a short preview of the value, as redis-cli would print the first few
 * elements. At most MAX_KEYS keys, each read with a handful of commands.
 */
export interface KeyInfo {
  key: string;
  type: string;
  /** Milliseconds left, or -1 (no expiry). */
  pttl: number;
  preview: string;
  size?: number;
}

const MAX_KEYS = 30;
const PREVIEW = 5;

export async function inspectKeys(conn: Sender, ns: Namespace, index: KeyIndex | undefined = processKeyIndex()): Promise<{ keys: KeyInfo[]; more: number }> {
  if (!index) throw new Error("the key inspector needs the namespace's key index (no runtime in this process)");
  // The namespace's own keys, from its index (O(its keys)), unprefixed.
  const sorted = (await index.list(conn, ns)).map((n) => Buffer.from(ns.add(n))).sort(Buffer.compare);
  const shown = sorted.slice(0, MAX_KEYS);
  const more = (info: { preview: string; size?: number }, shownItems: number) =>
    info.size !== undefined && info.size > shownItems ? { ...info, preview: `${info.preview}\n…` } : info;
  const infos = await Promise.all(
    shown.map(async (full): Promise<KeyInfo | null> => {
      const [type, pttl] = await Promise.all([conn.send(["TYPE", full]), conn.send(["PTTL", full])]);
      const t = type.t === "status" ? type.v : "none";
      if (t === "none") return null;
      const { preview, size } = more(await previewOf(conn, full, t), t === "string" || t === "hash" ? Infinity : t === "stream" ? 2 : 5);
      return { key: full.subarray(ns.bytes.length).toString("utf8"), type: t, pttl: pttl.t === "integer" ? Number(pttl.v) : -1, preview, size };
    }),
  );
  return { keys: infos.filter((x): x is KeyInfo => x !== null), more: Math.max(0, sorted.length - MAX_KEYS) };
}

async function previewOf(conn: Sender, key: Buffer, type: string): Promise<{ preview: string; size?: number }> {
  const one = (r: Reply) => formatReply(r).replace(/\n$/, "");
  const n = String(PREVIEW - 1);
  switch (type) {
    case "string": {
      const [v, len] = await Promise.all([conn.send(["GETRANGE", key, "0", "99"]), conn.send(["STRLEN", key])]);
      if (v.t === "bulk" && v.v.startsWith("HYLL")) return { preview: "(HyperLogLog: PFCOUNT it)" }; // its bytes mean nothing to read
      return { preview: one(v) + (len.t === "integer" && Number(len.v) > 100 ? " …" : ""), size: len.t === "integer" ? Number(len.v) : undefined };
    }
    case "list": {
      const [v, len] = await Promise.all([conn.send(["LRANGE", key, "0", n]), conn.send(["LLEN", key])]);
      return { preview: one(v), size: len.t === "integer" ? Number(len.v) : undefined };
    }
    case "set": {
      const [v, len] = await Promise.all([conn.send(["SRANDMEMBER", key, String(PREVIEW)]), conn.send(["SCARD", key])]);
      const sortedMembers: Reply =
        v.t === "array" ? { t: "array", v: [...v.v].sort((a, b) => (a.t === "bulk" && b.t === "bulk" ? (a.v < b.v ? -1 : 1) : 0)) } : v;
      return { preview: one(sortedMembers), size: len.t === "integer" ? Number(len.v) : undefined };
    }
    case "zset": {
      const [v, len] = await Promise.all([conn.send(["ZRANGE", key, "0", n, "WITHSCORES"]), conn.send(["ZCARD", key])]);
      return { preview: one(v), size: len.t === "integer" ? Number(len.v) : undefined };
    }
    case "hash": {
      const [v, len] = await Promise.all([conn.send(["HSCAN", key, "0", "COUNT", String(PREVIEW)]), conn.send(["HLEN", key])]);
      return { preview: v.t === "array" && v.v[1] ? one(v.v[1]) : "", size: len.t === "integer" ? Number(len.v) : undefined };
    }
    case "stream": {
      const [v, len] = await Promise.all([conn.send(["XREVRANGE", key, "+", "-", "COUNT", "2"]), conn.send(["XLEN", key])]);
      return { preview: one(v), size: len.t === "integer" ? Number(len.v) : undefined };
    }
    default:
      return { preview: `(${type})` };
  }
}
