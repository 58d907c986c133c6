import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * `npm run test:cluster`: the integration suite again, on a 3 + 3 Redis
 * Cluster (test/redis-setup.ts with PLAYGROUND_TEST_CLUSTER=1; the runtime
 * routes by slot, REDIS_CLUSTER=1). Left out are the files that audit one
 * server from outside with a raw admin connection — its whole keyspace, its
 * CLIENT LIST, keys planted or read with plain GET/SET on that one node — which
 * a cluster spreads over three masters; lib/cluster-app.test.ts checks the
 * same walls per node (keys only on their master, ACL users on every node,
 * NOPERM on the node), and lib/redis/cluster.test.ts the routing itself.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        "**/node_modules/**",
        // Whole-server audits (test/sandbox-audit.ts: one node's keyspace, CLIENT LIST, the shared connection's state).
        "lib/sandbox/escape.test.ts",
        "lib/sandbox/fuzz.test.ts",
        "lib/sandbox/isolation.test.ts",
        "lib/sandbox/fairness.test.ts",
        // Keys planted or read with the admin connection on one node.
        "lib/sandbox/amplification.test.ts",
        "lib/sandbox/costs.test.ts",
        "lib/sandbox/emulated.test.ts",
        "lib/sandbox/glob.test.ts",
        "lib/sandbox/key-index.test.ts",
        "lib/sandbox/limits.test.ts",
        "lib/sandbox/quota.test.ts",
        "lib/sandbox/redis-reads.test.ts",
        "lib/sandbox/acl-users.test.ts",
        "lib/rate-limit.test.ts",
        "lib/wall-check.test.ts",
        // The escape suite and the fuzz again, through the endpoint: the same whole-server audits.
        "lib/endpoint/escape.test.ts",
        "lib/endpoint/fuzz.test.ts",
        // Redis as an oracle on a server of their own; nothing of the app's Redis. (The endpoint's other tests
        // run here too: their audits go through test/admin.ts, to the master of each key's slot.)
        "lib/endpoint/request-parser.test.ts",
        "lib/endpoint/encode-reply.test.ts",
        "lib/endpoint/resp3.test.ts",
        "lib/endpoint/slow-redis.test.ts",
        // Points the runtime at single-node URLs of its own.
        "lib/http/api.test.ts",
        // Per-process budgets and a big reply, timed against another visitor's PING on one server: six
        // redis-servers on this machine's two cores only add noise to them, and nothing about routing.
        "lib/sandbox/work-budget.test.ts",
        "lib/resp/big-reply.test.ts",
      ],
    },
  }),
);
