import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { runtime } from "@/lib/runtime";
import type { Session } from "@/lib/session";
import { SandboxError } from "@/lib/errors";
import { bulk, type Reply } from "@/lib/resp/reply";
import { formatReply } from "@/lib/cli/format-reply";
import { sseFrame, startSse } from "./sse";
import { truncateReply } from "@/lib/resp/truncate";
import { openStream } from "./sse-slots";
import { clientIp } from "@/lib/rate-limit";
import { sessionForLesson } from "@/lib/classroom/scope";
import type { HubListener, HubMessage } from "@/lib/streaming/subscriber-hub";
import { nameRefusal, patternRefusal } from "@/lib/sandbox/glob";
import { processState } from "@/lib/process-state";
import { issueProblem, refusal } from "@/lib/problems";

/**
 * GET /api/v1/stream?channels=a,b&patterns=p*&shards=s — the session's pub/sub
 * messages as Server-Sent Events (docs/architecture.md "Streaming"), un-prefixed, each with the
 * text redis-cli would print. The channels are reference-counted in the
 * process's one subscriber hub and released when the client goes away.
 */
// Lengths in bytes are checked once the stream is open, so the console can show why (glob.ts's caps).
const Name = z.string().min(1, "stream:empty-name").max(4096, "stream:long-name");
const Query = z
  .object({
    channels: z.array(Name).max(50, "stream:too-many"),
    patterns: z.array(Name).max(50, "stream:too-many"),
    shards: z.array(Name).max(50, "stream:too-many"),
  })
  .refine((q) => q.channels.length + q.patterns.length + q.shards.length > 0, "stream:none");

export function parseStreamQuery(url: URL): { channels: string[]; patterns: string[]; shards: string[] } {
  // channels=a,b (README "JSON API v1"), or channel=a&channel=b for names that contain a comma.
  const list = (plural: string, single: string) => [
    ...url.searchParams
      .getAll(plural)
      .flatMap((v) => v.split(","))
      .filter((v) => v !== ""),
    ...url.searchParams.getAll(single),
  ];
  const parsed = Query.safeParse({ channels: list("channels", "channel"), patterns: list("patterns", "pattern"), shards: list("shards", "shard") });
  if (!parsed.success) throw new SandboxError("bad_request", issueProblem(parsed.error.issues[0]));
  return parsed.data;
}

const enc = (s: string) => Buffer.from(s, "utf8");
/** Each message's SSE frame per namespace, built by the first stream that sends it. */
const frames = () => processState("stream.frames", () => new WeakMap<HubMessage, Map<string, string>>());

export async function handleStream(req: IncomingMessage, res: ServerResponse, session: Session | null): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const q = parseStreamQuery(url);
  if (!session) throw new SandboxError("unauthorized");
  const rt = runtime();
  // A shared lesson's console listens on the workshop's channels (?lesson=<slug>).
  const lesson = url.searchParams.get("lesson");
  if (lesson) session = await sessionForLesson(rt.appConn, session, lesson);
  // The await above may have outlived the client; and nobody holds streams without end.
  if (req.destroyed || res.destroyed) return;
  // Counted against the address TRUST_PROXY decides: behind a proxy every socket is the proxy's.
  const slot = openStream(`session:${session.id}`, clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], rt.config.trustProxy));
  const hub = rt.hub();
  const ns = session.ns;

  const sse = startSse(res);
  const send = sse.send;
  const sendReply = (event: string, reply: Reply) => send(event, { reply, text: formatReply(reply).replace(/\n$/, "") });

  const strip = (b: Buffer): Reply => {
    const name = b.subarray(0, ns.bytes.length).equals(Buffer.from(ns.bytes)) ? b.subarray(ns.bytes.length) : b;
    return bulk(new Uint8Array(name));
  };
  const listener: HubListener = {
    onMessage(m: HubMessage) {
      // Formatted once per message and namespace, however many streams receive it (a 330 KB PUBLISH to 12
      // streams formatted 12 times held the event loop 1.6 s), with the payload cut for the browser.
      let byNs = frames().get(m);
      if (!byNs) frames().set(m, (byNs = new Map()));
      let frame = byNs.get(ns.prefix);
      if (frame === undefined) {
        // Cut before decoding: a 330 KB payload decoded whole to show 16 KiB of it.
        const cap = rt.config.maxMessageBytes;
        const kept = m.payload.length > cap ? new Uint8Array(m.payload.subarray(0, cap)) : new Uint8Array(m.payload);
        const payload: Reply = m.payload.length > cap ? { ...(bulk(kept) as Extract<Reply, { t: "bulk" }>), more: m.payload.length - cap } : bulk(kept);
        const whole: Reply =
          m.kind === "pmessage"
            ? { t: "array", v: [{ t: "bulk", v: "pmessage" }, strip(m.pattern!), strip(m.channel), payload] }
            : { t: "array", v: [{ t: "bulk", v: m.kind }, strip(m.channel), payload] };
        const { reply } = truncateReply(whole, { items: 4, bytes: rt.config.maxMessageBytes });
        frame = sseFrame("message", { reply, text: formatReply(reply).replace(/\n$/, "") });
        byNs.set(ns.prefix, frame);
      }
      sse.sendFrame(frame);
    },
    onGap() {
      send("gap", {
        message:
          "The connection to Redis was lost. Messages published until it is back are lost: pub/sub delivers each message at most once, to whoever is subscribed at that moment.",
      });
    },
    onResumed() {
      send("resumed", { message: "Reconnected to Redis; subscriptions restored." });
    },
  };

  let closed = false;
  const cleanup = () => {
    if (closed) return;
    closed = true;
    sse.close();
    slot.release();
    void hub.remove(listener);
  };
  req.on("close", cleanup);
  res.on("close", cleanup);

  // Names and patterns short enough that Redis's glob matching stays fast (lib/sandbox/glob.ts), and the
  // namespace's patterns together within the per-command budget for every message published into it.
  const channels = q.channels.map((c) => Buffer.from(ns.add(enc(c))));
  const patterns = q.patterns.map((p) => Buffer.from(ns.pattern(enc(p))));
  const shards = q.shards.map((c) => Buffer.from(ns.add(enc(c))));
  const refused =
    q.channels.map((c, i) => nameRefusal(enc(c), i + 1, true)).find(Boolean) ??
    q.shards.map((c, i) => nameRefusal(enc(c), i + 1, true)).find(Boolean) ??
    q.patterns.map((p) => patternRefusal(enc(p), "PSUBSCRIBE")).find(Boolean) ??
    hub.patternRefusal(ns.prefix, patterns);
  if (refused) {
    sendReply("refused", refusal(refused));
    cleanup();
    res.end(); // an API client's socket is not held open after a refusal
    return;
  }
  try {
    if (channels.length) await hub.add(listener, "channel", channels);
    if (patterns.length) await hub.add(listener, "pattern", patterns, ns.prefix);
    if (shards.length) await hub.add(listener, "shard", shards);
  } catch {
    send("error", { message: "Redis is unavailable right now; retrying." });
  }
  if (closed) return cleanup();
  // The confirmations redis-cli prints after SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE, each with the count so far as Redis
  // counts (a name given twice counts once; shard channels apart from channels and patterns).
  const confirm = (type: string, names: string[], seen: Set<string>) => {
    for (const n of names) {
      seen.add(`${type}:${n}`);
      sendReply("subscribe", {
        t: "array",
        v: [
          { t: "bulk", v: type },
          { t: "bulk", v: n },
          { t: "integer", v: seen.size },
        ],
      });
    }
  };
  const classic = new Set<string>();
  confirm("subscribe", q.channels, classic);
  confirm("psubscribe", q.patterns, classic);
  confirm("ssubscribe", q.shards, new Set());
}
