/**
 * One app instance for a multi-instance setup (`npm run demo:cluster`, the
 * proxy e2e): the built app on PORT, on the Redis the environment names, with
 * every response marked `X-Playground-Instance: <PLAYGROUND_INSTANCE>`.
 * SIGTERM or SIGINT closes it. No embedded Redis, no build: scripts/topology.ts
 * does both once for all instances.
 */
import path from "node:path";
import { startServer } from "../server";

const root = path.resolve(import.meta.dirname, "..");
const server = await startServer({ port: Number(process.env.PORT), host: "127.0.0.1", dir: root });
console.log(`instance ${process.env.PLAYGROUND_INSTANCE ?? "?"} ready on ${server.port}`);
const stop = () => void server.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
