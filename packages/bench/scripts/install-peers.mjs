// Installs the benchmark's peer libraries (tfjs, jax-js) into packages/bench/peers with npm,
// from their pinned lockfile, the first time `pnpm run bench` runs (and again when the
// lockfile changes). The workspace install never fetches them, so the README's commands
// stay light. Their install scripts are not run: none is needed, and tfjs's core-js one
// would only print a banner.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const peers = join(import.meta.dirname, "..", "peers");
const lock = readFileSync(join(peers, "package-lock.json"), "utf8");
const stamp = join(peers, "node_modules", ".tapegrad-installed-lock");
if (existsSync(stamp) && readFileSync(stamp, "utf8") === lock) process.exit(0);

console.log("bench: installing the peer libraries (tfjs, jax-js) from packages/bench/peers/package-lock.json …");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
execFileSync(npm, ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: peers, stdio: "inherit" });
writeFileSync(stamp, lock);
