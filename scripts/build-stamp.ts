import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";

/** Everything that changes what `next build` produces. */
const INPUTS = ["app", "lib", "lessons", "components", "public", "next.config.js", "postcss.config.mjs", "package-lock.json", "tsconfig.json"];

export function sourceHash(root: string): string {
  const h = createHash("sha256");
  const walk = (p: string) => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) if (!name.startsWith(".") && name !== "node_modules") walk(path.join(p, name));
    } else if (!/\.test\.tsx?$/.test(p)) {
      h.update(path.relative(root, p)).update("\0").update(fs.readFileSync(p)).update("\0");
    }
  };
  for (const i of INPUTS) walk(path.join(root, i));
  return h.digest("hex");
}

const stampFile = (root: string) => path.join(root, ".next", "source-hash");

export function buildIsCurrent(root: string): boolean {
  try {
    if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) return false;
    return fs.readFileSync(stampFile(root), "utf8") === sourceHash(root);
  } catch {
    return false;
  }
}

export function writeBuildStamp(root: string): void {
  fs.writeFileSync(stampFile(root), sourceHash(root));
}
