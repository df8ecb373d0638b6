/**
 * Saving and loading weights files in Node: `saveWeights`, `loadWeights`, `loadModel`,
 * `loadMlp`, `saveSafetensors`, `loadSafetensors`, and `writeTextAtomically` /
 * `writeBytesAtomically`, the all-or-nothing writes they use. The main entry
 * `@tapegrad/nn` imports no `node:` module, so it bundles for browsers; its
 * `serializeWeights`, `parseWeights` and `modelFromWeights` work on the same JSON text.
 *
 * @example
 * ```ts
 * import { mlp } from "@tapegrad/nn";
 * import { loadModel, saveWeights } from "@tapegrad/nn/node";
 * const model = mlp({ sizes: [2, 4, 1], output: "sigmoid", convention: "row" });
 * saveWeights(model, "weights.json");
 * const again = loadModel("weights.json");
 * ```
 *
 * @module @tapegrad/nn/node
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import type { Model } from "./model";
import { modelTensorsOfSafetensors, parseSafetensors, safetensorsOfModel, serializeSafetensors } from "./safetensors";
import { readWeights, readWeightsFile, rebuildModel, weightsText, type ModelFromWeightsOptions } from "./weights";

const TEMPORARY_SUFFIX = ".tapegrad-tmp";

/** Options of {@link loadModel}. */
export type LoadModelOptions = Pick<ModelFromWeightsOptions, "layerKinds">;

/**
 * Saves the model's parameters and state to `path` (the JSON of `serializeWeights`)
 * without ever leaving a corrupt or partial file: see {@link writeTextAtomically}. If
 * anything fails, the error names the path and the cause, and an existing file at `path`
 * is left as it was.
 * @example `saveWeights(model, "tapegrad-out/weights.json")`
 */
export function saveWeights(model: Model<any, any, any>, path: string): void {
  const text = weightsText(model, "saveWeights");
  try {
    writeTextAtomically(path, text);
  } catch (error) {
    throw new Error(`saveWeights: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loads weights saved by {@link saveWeights} into `model`, parameters and state, after
 * checking all of them (see `readWeights`). On any error the model keeps its parameters
 * and state: nothing is half-loaded.
 * @example `loadWeights(model, "tapegrad-out/weights.json")`
 */
export function loadWeights(model: Model<any, any, any>, path: string): void {
  const { params, state } = readWeights(readText(path, "loadWeights"), model, path);
  model.setParams(params);
  model.state = state;
}

/**
 * Rebuilds a saved `mlp` or `sequential` model from its file alone (see
 * `modelFromWeights`): the file is checked whole before anything is built. Layer kinds of
 * your own are rebuilt by the factories in `layerKinds`. A graph model needs its code:
 * build it and use {@link loadWeights}.
 * @example `const model = loadModel("tapegrad-out/weights.json"); model.predict(X);`
 */
export function loadModel(path: string, options: LoadModelOptions = {}): Model {
  return rebuildModel(readWeightsFile(readText(path, "loadModel"), path), options.layerKinds ?? {}, path);
}

/**
 * Rebuilds a saved multilayer perceptron from its file alone; refuses any other model.
 * @example `const model = loadMlp("tapegrad-out/weights.json"); model.predict(X);`
 */
export function loadMlp(path: string): Model {
  const file = readWeightsFile(readText(path, "loadMlp"), path);
  if (file.architecture.kind === "sequential") throw new Error(`${path}: the file holds a sequential model, not an mlp; load it with loadModel(path)`);
  return rebuildModel(file, {}, path);
}

/** Options of {@link saveSafetensors} and {@link loadSafetensors}. */
export interface SafetensorsOptions {
  /**
   * Use PyTorch's names and layouts for dense, convolution, RNN and LSTM layers (see
   * {@link saveSafetensors}); false by default (tapegrad's own names, as they are).
   */
  pytorchNames?: boolean;
}

/**
 * Saves the model's parameters and state to `path` as a safetensors file (see
 * `serializeSafetensors`), all or nothing (see {@link writeBytesAtomically}).
 *
 * With `pytorchNames: true`, names and layouts are PyTorch's:
 * - dense: `${name}.W` → `${name}.weight` [out, in] (the row convention's W [in, out] is
 *   transposed, the column convention's [out, in] is written as it is), `${name}.b` →
 *   `${name}.bias` [out];
 * - conv1d, conv2d: `${name}.W` → `${name}.weight`, `${name}.b` → `${name}.bias`, as they are;
 * - lstm, rnn: `${name}.Wx` → `${name}.weight_ih_l0` = Wxᵀ, `${name}.Wh` →
 *   `${name}.weight_hh_l0` = Whᵀ (as they are in the column convention), `${name}.b` →
 *   `${name}.bias_ih_l0`, and `${name}.bias_hh_l0` is zeros: tapegrad's b is the sum of
 *   PyTorch's two biases, so loading PyTorch's weights adds them;
 * - other layers' parameters and state keep tapegrad's names.
 * @example `saveSafetensors(model, "tapegrad-out/model.safetensors", { pytorchNames: true })`
 */
export function saveSafetensors(model: Model<any, any, any>, path: string, options: SafetensorsOptions = {}): void {
  const pytorchNames = options.pytorchNames === true;
  const bytes = serializeSafetensors(safetensorsOfModel(model, pytorchNames), { format: pytorchNames ? "pt" : "tapegrad" });
  try {
    writeBytesAtomically(path, bytes);
  } catch (error) {
    throw new Error(`saveSafetensors: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loads a safetensors file into `model`, parameters and state, with the names of
 * {@link saveSafetensors} (PyTorch's with `pytorchNames: true`). The file and every tensor's
 * name, shape and dtype are checked first (F32 is widened for a float64 model); on any error
 * the model keeps its parameters and state: nothing is half-loaded.
 * @example `loadSafetensors(model, "model.safetensors", { pytorchNames: true })`
 */
export function loadSafetensors(model: Model<any, any, any>, path: string, options: SafetensorsOptions = {}): void {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`loadSafetensors: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let tensors;
  try {
    tensors = parseSafetensors(bytes).tensors;
  } catch (error) {
    throw new Error(`loadSafetensors: ${path}: ${(error as Error).message}; the model is unchanged`, { cause: error });
  }
  const { params, state } = modelTensorsOfSafetensors(model, tensors, options.pytorchNames === true, `loadSafetensors: ${path}`);
  model.setParams(params);
  model.state = state;
}

/**
 * Writes `text` to `path` all or nothing, so that `path` holds either its old content or
 * the whole new text, even if the disk fills up, the process is killed or the power fails:
 *
 * 1. every byte goes to a temporary file beside `path` (a write that stops short is
 *    retried from where it stopped; one that makes no progress is an error);
 * 2. the temporary file is flushed to disk (fsync), then renamed over `path`;
 * 3. the folder is flushed, so that the rename itself survives a power loss.
 *
 * On any failure before the rename, the temporary file is removed and an existing file at
 * `path` is unchanged. The error names the path and the cause ("the disk is full", "no
 * permission to write in <folder>", …), with the system error as its `cause`.
 *
 * The temporary file is `.<name>.<pid>-<thread>.tapegrad-tmp`: one per process and thread,
 * so concurrent saves never write into each other's file, and a process saving again
 * reuses its own. A killed process cannot remove its file, so each save first removes
 * those of processes that are no longer running (on this machine).
 * @example `writeTextAtomically("tapegrad-out/training.svg", svg)`
 */
export function writeTextAtomically(path: string, text: string): void {
  if (typeof path !== "string" || path === "") throw new Error(`writeTextAtomically: the path must be a non-empty string, got ${JSON.stringify(path)}`);
  if (typeof text !== "string") throw new Error(`writeTextAtomically: the text to write to ${path} must be a string, got ${typeof text}; nothing was written`);
  writeAtomically(path, new TextEncoder().encode(text));
}

/**
 * Writes `bytes` to `path` all or nothing, every byte, exactly as {@link writeTextAtomically}
 * writes text: a temporary file beside `path`, flushed, renamed over it, the folder flushed.
 * On any failure an existing file at `path` is unchanged.
 * @example `writeBytesAtomically("tapegrad-out/model.safetensors", serializeSafetensors(tensors))`
 */
export function writeBytesAtomically(path: string, bytes: Uint8Array): void {
  if (typeof path !== "string" || path === "") throw new Error(`writeBytesAtomically: the path must be a non-empty string, got ${JSON.stringify(path)}`);
  if (!(bytes instanceof Uint8Array)) throw new Error(`writeBytesAtomically: the bytes to write to ${path} must be a Uint8Array, got ${typeof bytes}; nothing was written`);
  writeAtomically(path, bytes);
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  const folder = dirname(path);
  const temporary = join(folder, `.${basename(path)}.${process.pid}-${threadId}${TEMPORARY_SUFFIX}`);
  removeDeadTemporaries(path);
  let fd: number | undefined;
  let renaming = false;
  try {
    fd = openSync(temporary, "w");
    writeAll(fd, bytes);
    fsyncSync(fd);
    const written = fd;
    fd = undefined;
    closeSync(written); // on some file systems (NFS) a failed write is only reported here
    renaming = true;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== undefined) attempt(() => closeSync(fd!));
    attempt(() => rmSync(temporary, { force: true }));
    const cause = renaming && hasCode(error, ["ENOENT"]) ? `the temporary file ${temporary} was removed by something else before the rename` : explain(error, path);
    throw new Error(`could not write ${path}: ${cause}; any existing file at ${path} is unchanged`, { cause: error });
  }
  try {
    flushFolder(folder);
  } catch (error) {
    throw new Error(
      `wrote ${path}, but could not flush its folder ${folder} to disk (${explain(error, path)}); the new file may not survive a power loss`,
      { cause: error },
    );
  }
}

/** Writes all of `bytes`, calling writeSync again after each short write. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; ) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (!Number.isInteger(written) || written <= 0 || written > bytes.length - offset) {
      throw new Error(`the write stopped after ${offset} of ${bytes.length} bytes (the system wrote ${written} bytes and no more)`);
    }
    offset += written;
  }
}

/**
 * Flushes the folder's entry list to disk (after a rename), where the platform can. Windows
 * cannot open a folder as a file (it fails with EISDIR or EPERM) and has no fsync for
 * folders: there the rename is left to the file system. Everywhere else a failure is an error.
 */
function flushFolder(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, "r");
  } catch (error) {
    if (process.platform === "win32" && hasCode(error, ["EISDIR", "EPERM", "EACCES"])) return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!(process.platform === "win32" && hasCode(error, ["EISDIR", "EPERM", "EINVAL"]))) throw error;
  } finally {
    closeSync(fd);
  }
}

/** Removes the temporary files of earlier saves to `path` whose process is no longer running. */
function removeDeadTemporaries(path: string): void {
  const folder = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return; // the write below reports a missing or unreadable folder
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMPORARY_SUFFIX)) continue;
    const owner = /^(\d+)-\d+$/.exec(name.slice(prefix.length, -TEMPORARY_SUFFIX.length));
    if (owner && !processIsRunning(Number(owner[1]))) attempt(() => rmSync(join(folder, name), { force: true }));
  }
}

function processIsRunning(pid: number): boolean {
  if (pid === process.pid) return true; // another thread of this process may be writing it
  try {
    process.kill(pid, 0); // signal 0 only checks that the process exists
    return true;
  } catch (error) {
    return hasCode(error, ["EPERM"]); // it exists, but belongs to another user
  }
}

/** The text of the file at `path`, or an error naming the function, the path and the cause. */
function readText(path: string, caller: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reasons: Record<string, string> = {
      ENOENT: "there is no such file",
      EACCES: "no permission to read it",
      EPERM: "no permission to read it",
      EISDIR: "it is a folder, not a file",
      ERR_STRING_TOO_LONG: "it is too large to read as one text",
    };
    const code = errorCode(error);
    const reason = code !== undefined && Object.hasOwn(reasons, code) ? `${reasons[code]} (${(error as Error).message})` : (error as Error).message;
    throw new Error(`${caller}: cannot read ${path}: ${reason}`, { cause: error });
  }
}

/** A failed write's cause in words, followed by the system's message. */
function explain(error: unknown, path: string): string {
  const folder = dirname(path);
  const message = error instanceof Error ? error.message : String(error);
  const reasons: Record<string, string> = {
    ENOSPC: "the disk is full",
    EDQUOT: "the disk quota is used up",
    EACCES: `no permission to write in ${folder}`,
    EPERM: `no permission to write in ${folder}`,
    EROFS: "the file system is read-only",
    ENOENT: `the folder ${folder} does not exist`,
    ENOTDIR: `${folder} is not a folder (a part of the path is a file)`,
    EISDIR: `${path} is a folder`,
    EIO: "the disk reported an input/output error",
  };
  const code = errorCode(error);
  return code !== undefined && Object.hasOwn(reasons, code) ? `${reasons[code]} (${message})` : message;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function hasCode(error: unknown, codes: readonly string[]): boolean {
  const code = errorCode(error);
  return code !== undefined && codes.includes(code);
}

/** Runs a clean-up step whose own failure must not hide the error being reported. */
function attempt(step: () => void): void {
  try {
    step();
  } catch {
    // the original error is the one to report
  }
}
