// Packs the published packages (@tapegrad/core, @tapegrad/nn, @tapegrad/cli, @tapegrad/onnx) with pnpm, as publishing
// would, lints each tarball with publint and @arethetypeswrong/cli, then installs the tarballs into a fresh folder
// outside the repository and uses them there as a new user would: from ES modules, from CommonJS, from strict
// TypeScript (moduleResolution bundler, node16 and nodenext) and through the installed `tapegrad` command (a quick
// `npx @tapegrad/cli demo`, then `train` and `predict` on a small CSV file, all writing only into that folder).
// Needs the build first (`pnpm run build`): the tarballs hold dist/.
//
// TypeScript's legacy `moduleResolution: "node"` (node10) is not supported: it ignores "exports", so it cannot see
// the subpaths `@tapegrad/core/testing`, `@tapegrad/nn/node` and `@tapegrad/onnx/node`; attw runs with the node16 profile, which leaves
// node10 out. @tapegrad/cli's library entry is ES modules only, so it is linted with the esm-only profile.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pnpm = ["npx", "--yes", "pnpm@10.34.9"];
const bin = (name) => join(root, "node_modules", ".bin", name);
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

/** The published packages: their folder, the attw profile that matches what they support, and built files they need. */
const packages = [
  { dir: "packages/core", name: "@tapegrad/core", profile: "node16", built: ["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/testing/index.js", "dist/testing/index.cjs"] },
  { dir: "packages/nn", name: "@tapegrad/nn", profile: "node16", built: ["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/node.js", "dist/node.cjs"] },
  { dir: "packages/onnx", name: "@tapegrad/onnx", profile: "node16", built: ["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "dist/node.js", "dist/node.cjs"] },
  { dir: "packages/cli", name: "@tapegrad/cli", profile: "esm-only", built: ["dist/index.js", "dist/index.d.ts", "dist/main.js"] },
];

const missing = packages.flatMap((p) => p.built.map((f) => `${p.dir}/${f}`)).filter((f) => !existsSync(join(root, f)));
if (missing.length > 0) {
  console.error(`check-packed: the packages are not built (missing ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""}); run \`npx --yes pnpm@10.34.9 run build\` first.`);
  process.exit(1);
}

/** Runs a command; resolves with its exit code and output, never rejects. */
function run(command, args, { cwd = root, env = {} } = {}) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => done({ code: -1, output: output + String(error) }));
    child.on("close", (code) => done({ code, output }));
  });
}

const failures = [];
/** Runs a command that must exit with `expected`; records a failure with its output otherwise. */
async function expect(label, command, args, { expected = 0, ...options } = {}) {
  const started = Date.now();
  const { code, output } = await run(command, args, options);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (code === expected) {
    console.log(`  ok   ${label} (${seconds} s)`);
  } else {
    console.log(`  FAIL ${label}: exit ${code}, expected ${expected} (${seconds} s)\n${output.trim().replace(/^/gm, "       ")}`);
    failures.push(label);
  }
  return output;
}

const work = mkdtempSync(join(tmpdir(), "tapegrad-packed-"));
const started = Date.now();
try {
  // 1. Pack with pnpm, which rewrites workspace: ranges to versions.
  console.log("== pack (pnpm)");
  const packs = join(work, "packs");
  for (const p of packages) {
    await expect(`pack ${p.name}`, pnpm[0], [...pnpm.slice(1), "pack", "--pack-destination", packs], { cwd: join(root, p.dir) });
  }
  const tarballs = packages.map((p) => {
    const file = `${p.name.replace("@", "").replace("/", "-")}-`;
    const found = existsSync(packs) ? readdirSync(packs).filter((f) => f.startsWith(file) && f.endsWith(".tgz")) : [];
    if (found.length !== 1) throw new Error(`check-packed: expected one tarball ${file}*.tgz in ${packs}, found ${found.length}`);
    return { ...p, tarball: join(packs, found[0]) };
  });
  for (const p of tarballs) {
    const manifest = await expect(`${p.name}: read the packed package.json`, "tar", ["-xzOf", p.tarball, "package/package.json"]);
    if (manifest.includes("workspace:")) {
      console.log(`  FAIL ${p.name}: the packed package.json still holds a workspace: range`);
      failures.push(`${p.name} workspace: range`);
    } else {
      console.log(`  ok   ${p.name}: no workspace: range in the packed package.json`);
    }
  }

  // 2. Lint the tarballs: publint (errors fail) and attw (any problem in the profile's resolution modes fails).
  console.log("== publint and attw on the tarballs");
  await Promise.all(tarballs.flatMap((p) => [
    expect(`publint ${p.name}`, bin("publint"), ["run", p.tarball, "--level", "warning", "--pack", "false"]),
    expect(`attw --profile ${p.profile} ${p.name}`, bin("attw"), [p.tarball, "--profile", p.profile, "--format", "table", "--no-color", "--no-emoji"]),
  ]));

  // 3. Install the tarballs into a fresh folder outside the repository, as a user would.
  console.log(`== install the tarballs into ${join(work, "app")}`);
  const app = join(work, "app");
  const env = { ONNXRUNTIME_NODE_INSTALL: "skip", npm_config_update_notifier: "false" };
  await run("mkdir", [app]);
  await expect("npm init -y", "npm", ["init", "-y"], { cwd: app, env });
  await expect("npm install the tarballs", "npm", ["install", ...tarballs.map((p) => p.tarball), "--no-audit", "--no-fund"], { cwd: app, env });

  writeFileSync(join(app, "esm.mjs"), `import { tensor, grad, square, sum } from "@tapegrad/core";
import { gradcheck } from "@tapegrad/core/testing";
import { mlp, fit, sgd, xor } from "@tapegrad/nn";
import { saveWeights, loadModel } from "@tapegrad/nn/node";
import * as cli from "@tapegrad/cli";
import { decodeOnnx, toOnnx } from "@tapegrad/onnx";
import { saveOnnx } from "@tapegrad/onnx/node";
const [dx] = grad((x) => sum(square(x)))(tensor([1, 2]));
if (dx.toArray().join() !== "2,4" || !gradcheck(square, [tensor([0.5, -1])]).ok) throw new Error("wrong gradients from @tapegrad/core (ESM)");
const model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
const history = fit(model, xor({ convention: "row" }), { epochs: 300, optimizer: sgd({ learningRate: 1 }) });
if (history.accuracy.at(-1) !== 1) throw new Error("@tapegrad/nn (ESM) does not learn XOR");
if (typeof saveWeights !== "function" || typeof loadModel !== "function" || Object.keys(cli).length === 0) throw new Error("missing exports (ESM)");
if (decodeOnnx(toOnnx(model, tensor([[0, 1]]))).graph.node.length !== 6 || typeof saveOnnx !== "function") throw new Error("@tapegrad/onnx (ESM) does not export the network");
console.log("ESM: ok");
`);
  writeFileSync(join(app, "cjs.cjs"), `const { tensor, grad, square, sum } = require("@tapegrad/core");
const { gradcheck } = require("@tapegrad/core/testing");
const { mlp, fit, sgd, xor } = require("@tapegrad/nn");
const { saveWeights, loadModel } = require("@tapegrad/nn/node");
const { decodeOnnx, toOnnx } = require("@tapegrad/onnx");
const { saveOnnx } = require("@tapegrad/onnx/node");
const [dx] = grad((x) => sum(square(x)))(tensor([1, 2]));
if (dx.toArray().join() !== "2,4" || !gradcheck(square, [tensor([0.5, -1])]).ok) throw new Error("wrong gradients from @tapegrad/core (CommonJS)");
const model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
const history = fit(model, xor({ convention: "row" }), { epochs: 300, optimizer: sgd({ learningRate: 1 }) });
if (history.accuracy.at(-1) !== 1) throw new Error("@tapegrad/nn (CommonJS) does not learn XOR");
if (typeof saveWeights !== "function" || typeof loadModel !== "function") throw new Error("missing exports (CommonJS)");
if (decodeOnnx(toOnnx(model, tensor([[0, 1]]))).graph.node.length !== 6 || typeof saveOnnx !== "function") throw new Error("@tapegrad/onnx (CommonJS) does not export the network");
console.log("CommonJS: ok");
`);

  // TypeScript: an ES module for every mode, and a CommonJS module where the mode has them (node16, nodenext).
  const esmSource = `import { tensor, grad, sum, square, type Tensor } from "@tapegrad/core";
import { gradcheck } from "@tapegrad/core/testing";
import { mlp, fit, sgd, xor, type Model } from "@tapegrad/nn";
import { saveWeights } from "@tapegrad/nn/node";
import { toOnnx, type ToOnnxOptions } from "@tapegrad/onnx";
import { saveOnnx } from "@tapegrad/onnx/node";
import type * as Cli from "@tapegrad/cli";
const t: Tensor = tensor([1, 2]);
const [dx]: Tensor[] = grad((x: Tensor) => sum(square(x)))(t);
const ok: boolean = gradcheck(square, [t]).ok;
const model: Model = mlp({ sizes: [2, 4, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
fit(model, xor({ convention: "row" }), { epochs: 1, optimizer: sgd({ learningRate: 1 }) });
const onnxOptions: ToOnnxOptions = { dynamicBatch: true };
const onnx: Uint8Array = toOnnx(model, tensor([[1, 2]]), onnxOptions);
export const used = [dx, ok, saveWeights, onnx, saveOnnx, {} as keyof typeof Cli];
`;
  const cjsSource = esmSource.replace('import type * as Cli from "@tapegrad/cli";\n', "").replace(", {} as keyof typeof Cli", "");
  const modes = [
    { mode: "bundler", module: "preserve", files: { "index.ts": esmSource } },
    { mode: "node16", module: "node16", files: { "index.mts": esmSource, "index.cts": cjsSource } },
    { mode: "nodenext", module: "nodenext", files: { "index.mts": esmSource, "index.cts": cjsSource } },
  ];
  for (const { mode, module, files } of modes) {
    const folder = join(app, `ts-${mode}`);
    await run("mkdir", [folder]);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
    writeFileSync(join(folder, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: "es2022", module, moduleResolution: mode, types: [], skipLibCheck: false },
      files: Object.keys(files),
    }, null, 2));
  }

  console.log("== use the installed packages from outside the repository");
  await Promise.all([
    expect("ESM import (esm.mjs)", process.execPath, ["esm.mjs"], { cwd: app }),
    expect("CommonJS require (cjs.cjs)", process.execPath, ["cjs.cjs"], { cwd: app }),
    ...modes.map(({ mode }) => expect(`strict TypeScript, moduleResolution ${mode} (tsc --noEmit)`, process.execPath, [tsc, "-p", join(app, `ts-${mode}`, "tsconfig.json")], { cwd: app })),
  ]);
  const tapegrad = join(app, "node_modules", ".bin", "tapegrad");
  await expect("tapegrad --help (exit 0)", tapegrad, ["--help"], { cwd: app });
  await expect("tapegrad check missing.json (exit 2)", tapegrad, ["check", "missing.json"], { cwd: app, expected: 2 });
  // What a new user tries first, from the folder they installed into: a quick demo, then train and predict on a small
  // CSV file; every file lands in that folder, none in the installed package.
  await expect("npx @tapegrad/cli demo --examples 300 --epochs 1", "npx", ["--no-install", "@tapegrad/cli", "demo", "--examples", "300", "--epochs", "1"], { cwd: app, env });
  writeFileSync(join(app, "data.csv"), "id,a,b,label\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 2},${(i * 7) % 5},${i % 2 ? "odd" : "even"}`).join("\n") + "\n");
  await expect("tapegrad train data.csv --ignore id", tapegrad, ["train", "data.csv", "--target", "label", "--ignore", "id", "--epochs", "20", "--out", "trained"], { cwd: app });
  await expect("tapegrad predict trained/weights.json data.csv", tapegrad, ["predict", "trained/weights.json", "data.csv", "--id", "id", "--out", "predictions.csv"], { cwd: app });
  const expectedFiles = ["tapegrad-out/training.svg", "tapegrad-out/graph.svg", "tapegrad-out/weights.json", "trained/weights.json", "trained/preprocessing.json", "predictions.csv"];
  const absent = expectedFiles.filter((f) => !existsSync(join(app, f)));
  const strays = ["tapegrad-out", "trained", "predictions.csv"].filter((f) => existsSync(join(app, "node_modules", "@tapegrad", "cli", f)));
  if (absent.length > 0 || strays.length > 0) {
    console.log(`  FAIL the CLI's files: ${absent.length > 0 ? `missing ${absent.join(", ")} in ${app}` : ""}${strays.length > 0 ? ` written into the installed package: ${strays.join(", ")}` : ""}`);
    failures.push("the CLI's files");
  } else {
    console.log("  ok   demo, train and predict wrote their files into the folder they ran in");
  }
} catch (error) {
  failures.push(String(error));
  console.log(`  FAIL ${error instanceof Error ? error.message : error}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (failures.length > 0) {
  console.error(`check-packed: ${failures.length} check(s) failed (${seconds} s): ${failures.join("; ")}`);
  process.exit(1);
}
console.log(`packed packages: ok (${seconds} s)`);
