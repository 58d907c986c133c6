import { bulk, bulkBytes, type Reply } from "./reply";

/**
 * Cuts a long reply down to what a browser should render: at most `items`
 * elements and `bytes` bytes of bulk strings in all, in reply order. What was
 * cut is counted in `more` on the array or bulk string it came from, and the
 * formatter prints it as "… N more".
 *
 * The budget is spent walking the reply in order (an element's slot, then its
 * contents; a map pair costs 2 items), and once an element is left out nothing
 * after it is kept: what is shown is always a prefix of the reply. The reply
 * decoder (lib/resp/decoder.ts) cuts the same way while reading, with a budget
 * at least this large (decodeBudget), so cutting its output again gives what
 * cutting the whole reply would have; a `more` it already counted is added to.
 */
export interface ReplyBudget {
  items: number;
  bytes: number;
}

/**
 * The cap for the decoder of a connection whose replies are shown with
 * `display`: larger, so that what the display keeps was always read (key names
 * still carry the namespace prefix when the decoder sees them), and so that the
 * app's own batched reads on the same connection (SCAN … COUNT 1000, COMMAND
 * GETKEYS of one command line) are never cut.
 */
export function decodeBudget(display: ReplyBudget, atLeast: Partial<ReplyBudget> = {}): ReplyBudget {
  return {
    items: Math.max(display.items * 4, 4096, atLeast.items ?? 0),
    bytes: Math.max(display.bytes * 2, 2 * 1024 * 1024, atLeast.bytes ?? 0),
  };
}

export function truncateReply(reply: Reply, budget: ReplyBudget): { reply: Reply; truncated: boolean } {
  const left = { ...budget };
  let truncated = false;
  const walk = (r: Reply): Reply => {
    if (r.t === "bulk") {
      const b = bulkBytes(r);
      if (b.length <= left.bytes) {
        left.bytes -= b.length;
        if (r.more) {
          truncated = true;
          left.bytes = 0;
        }
        return r;
      }
      truncated = true;
      const keep = cutUtf8(b, Math.max(0, left.bytes));
      left.bytes = 0;
      return { ...(bulk(keep) as Extract<Reply, { t: "bulk" }>), more: b.length - keep.length + (r.more ?? 0) };
    }
    if (r.t === "array" || r.t === "set" || r.t === "push" || r.t === "map") {
      const step = r.t === "map" ? 2 : 1;
      const out: Reply[] = [];
      let i = 0;
      for (; i < r.v.length && left.items >= step; i += step) {
        left.items -= step;
        for (let j = 0; j < step; j++) out.push(walk(r.v[i + j]));
      }
      const more = (r.v.length - i) / step + (r.more ?? 0);
      if (more > 0) {
        truncated = true;
        left.items = 0;
        return { t: r.t, v: out, more };
      }
      return { t: r.t, v: out };
    }
    if (r.t === "verbatim" && r.more) truncated = true;
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
