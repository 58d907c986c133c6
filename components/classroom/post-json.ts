import type { WireError } from "@/lib/errors";
import { problemText } from "@/lib/i18n/problems";
import { isProblem, type Problem } from "@/lib/problems";

/** The error of an answer that carried none the API would send: its status, or no answer at all. */
function clientError(p: Problem): WireError {
  return { ...p, message: problemText(p) };
}

/** POSTs JSON to the API; a non-2xx answer becomes its error, with the code the page words in its language. */
export async function postJson<T>(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ ok: true; value: T } | { ok: false; status: number; error: WireError }> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const data = (await res.json().catch(() => null)) as (T & { error?: WireError }) | null;
    if (!res.ok) {
      const error = isProblem(data?.error) ? (data.error as WireError) : clientError({ code: "client:http", params: { status: res.status } });
      return { ok: false, status: res.status, error };
    }
    return { ok: true, value: data as T };
  } catch {
    return { ok: false, status: 0, error: clientError({ code: "client:no-answer", params: {} }) };
  }
}
