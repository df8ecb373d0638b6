// Installs onnxruntime-node (288 MB unpacked: it ships every platform's binaries), which the
// ONNX tests run the exported models in, into packages/onnx/runtime with npm, from its
// pinned lockfile: before `pnpm run test` and `pnpm run typecheck`, the first time (and
// again when the lockfile changes). The workspace install never fetches it, so the
// README's demo command stays light. Its install script only downloads optional CUDA
// binaries and is not run.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const runtime = join(import.meta.dirname, "..", "runtime");
const lock = readFileSync(join(runtime, "package-lock.json"), "utf8");
const stamp = join(runtime, "node_modules", ".tapegrad-installed-lock");
if (existsSync(stamp) && readFileSync(stamp, "utf8") === lock) process.exit(0);

console.log("onnx: installing onnxruntime-node for the ONNX tests from packages/onnx/runtime/package-lock.json …");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
execFileSync(npm, ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: runtime, stdio: "inherit" });
writeFileSync(stamp, lock);
