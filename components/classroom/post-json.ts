/** POSTs JSON to the API; a non-2xx answer becomes its error message. */
export async function postJson<T>(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ ok: true; value: T } | { ok: false; status: number; message: string }> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const data = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
    if (!res.ok) return { ok: false, status: res.status, message: data?.error?.message ?? `HTTP ${res.status}` };
    return { ok: true, value: data as T };
  } catch {
    return { ok: false, status: 0, message: "The app server did not answer." };
  }
}
