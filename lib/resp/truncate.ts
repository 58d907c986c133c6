import { bulk, bulkBytes, type Reply } from "./reply";

/**
 * Cuts a long reply down to what a browser should render: at most `items`
 * elements and `bytes` bytes of bulk strings in all, in reply order. What was
 * cut is counted in `more` on the array or bulk string it came from, and the
 * formatter prints it as "… N more".
 */
export interface ReplyBudget {
  items: number;
  bytes: number;
}

export function truncateReply(reply: Reply, budget: ReplyBudget): { reply: Reply; truncated: boolean } {
  const left = { ...budget };
  let truncated = false;
  const walk = (r: Reply): Reply => {
    if (r.t === "bulk") {
      const b = bulkBytes(r);
      if (b.length <= left.bytes) {
        left.bytes -= b.length;
        return r;
      }
      truncated = true;
      const keep = cutUtf8(b, Math.max(0, left.bytes));
      left.bytes = 0;
      return { ...(bulk(keep) as Extract<Reply, { t: "bulk" }>), more: b.length - keep.length };
    }
    if (r.t === "array" || r.t === "set" || r.t === "push" || r.t === "map") {
      const step = r.t === "map" ? 2 : 1;
      const out: Reply[] = [];
      let i = 0;
      for (; i < r.v.length && left.items >= step; i += step) {
        left.items -= step;
        for (let j = 0; j < step; j++) out.push(walk(r.v[i + j]));
      }
      if (i < r.v.length) {
        truncated = true;
        return { t: r.t, v: out, more: (r.v.length - i) / step };
      }
      return { t: r.t, v: out };
    }
    return r;
  };
  return { reply: walk(reply), truncated };
}

/** Cuts bytes at a UTF-8 character boundary at or before `n`. */
function cutUtf8(b: Uint8Array, n: number): Uint8Array {
  let end = Math.min(n, b.length);
  while (end > 0 && end < b.length && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}
