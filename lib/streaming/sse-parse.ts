/**
 * Reads Server-Sent Events from a fetch() body: for streams EventSource cannot
 * open (a POST with a JSON body, which can be cancelled by aborting the fetch).
 * Used by the browser, the tests and the benchmark.
 */
export interface SseEvent {
  event: string;
  data: string;
}

export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (e: SseEvent) => void): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) onEvent({ event, data: data.join("\n") });
    }
  }
}
