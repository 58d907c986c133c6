import type { RespConnection } from "@/lib/redis/resp-connection";

/**
 * How many databases the test server has (`CONFIG GET databases`, admin user):
 * the embedded Redis runs with one, a REDIS_URL server may have 16. Audits
 * that must find nothing outside the sandbox walk every one of them.
 */
export async function databaseCount(admin: RespConnection): Promise<number> {
  const r = await admin.send(["CONFIG", "GET", "databases"]);
  const v = r.t === "array" && r.v[1]?.t === "bulk" ? Number(r.v[1].v) : NaN;
  if (!Number.isInteger(v) || v < 1) throw new Error(`CONFIG GET databases: unexpected ${JSON.stringify(r)}`);
  return v;
}
