import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "./errors";
import type { Io } from "./progress";

/** One `tapegrad` command: its help text beside the code that runs it. */
export interface Command {
  /** What `tapegrad <command> --help` prints, starting with `usage: tapegrad <command>`. */
  help: string;
  /** Runs the command on its arguments (after the command's name); returns the exit code. */
  run(args: readonly string[], io: Io): number | Promise<number>;
}

/** The options a command accepts, as `node:util` parseArgs takes them. */
export type OptionSpec = Record<string, { type: "string" | "boolean" }>;

/** What {@link parseOptions} returns: each option given, by name, and the file arguments. */
export interface ParsedOptions<T extends OptionSpec> {
  /** The options given: a string for a string option, true for a flag. */
  values: { [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string };
  /** The file arguments, in order. */
  positionals: string[];
}

/**
 * A command's options and file arguments, parsed strictly: an unknown option, or the wrong
 * number of file arguments, is an {@link InputError} that points to the command's help. A
 * command that takes no file arguments ignores a `--` separator, which `pnpm run <script> --
 * …` passes on.
 * @example `const { values, positionals } = parseOptions("graph", args, { out: { type: "string" } }, 1);`
 */
export function parseOptions<T extends OptionSpec>(command: string, args: readonly string[], spec: T, positionals: number): ParsedOptions<T> {
  const list = [...args];
  if (positionals === 0 && list.includes("--")) list.splice(list.indexOf("--"), 1);
  let parsed;
  try {
    parsed = parseArgs({ args: list, options: spec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`tapegrad ${command}: ${(error as Error).message.split("\n")[0]}; see tapegrad ${command} --help`);
  }
  if (parsed.positionals.length !== positionals) {
    const what = positionals === 0 ? "takes no file" : `takes ${positionals} file argument${positionals === 1 ? "" : "s"}`;
    throw new InputError(`tapegrad ${command}: ${what}, got ${parsed.positionals.length}; see tapegrad ${command} --help`);
  }
  return parsed as ParsedOptions<T>;
}

/**
 * An integer option of at least `min`, or `fallback` when it is absent.
 * @example `integerOption("demo", "epochs", values.epochs, 8) // 8 without --epochs`
 */
export function integerOption(command: string, name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`tapegrad ${command}: --${name} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * A number option strictly between 0 and `max`, or `fallback` when it is absent.
 * @example `numberOption("train", "learning-rate", values["learning-rate"], 0.01)`
 */
export function numberOption(command: string, name: string, value: string | undefined, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!(x > 0 && x < max)) throw new InputError(`tapegrad ${command}: --${name} must be a number between 0 and ${max}, got ${JSON.stringify(value)}`);
  return x;
}

/**
 * The entry of `choices` an option names, looked up as an own property (so `constructor`
 * or `__proto__` is an unknown name like any other), or the entry of `fallback` when the
 * option is absent.
 * @example `choiceOption("train", "optimizer", values.optimizer, { adam, sgd }, "adam")`
 */
export function choiceOption<T>(command: string, name: string, value: string | undefined, choices: Readonly<Record<string, T>>, fallback: string): { name: string; choice: T } {
  const chosen = value ?? fallback;
  if (!Object.hasOwn(choices, chosen)) throw new InputError(`tapegrad ${command}: --${name} must be ${listOf(Object.keys(choices))}, got '${chosen}'`);
  return { name: chosen, choice: choices[chosen] };
}

/**
 * A comma-separated list option's names, trimmed (`--ignore id,name`), or `[]` when the
 * option is absent; an empty name (`--ignore id,,name`) is an {@link InputError}.
 * @example `listOption("train", "ignore", "id, name") // ["id", "name"]`
 */
export function listOption(command: string, name: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const names = value.split(",").map((item) => item.trim());
  if (names.some((item) => item === "")) throw new InputError(`tapegrad ${command}: --${name} takes names separated by commas, got ${JSON.stringify(value)}`);
  return names;
}

/**
 * Names joined as prose: `a`, `a or b`, `a, b or c`.
 * @example `listOf(["adam", "sgd", "momentum"]) // "adam, sgd or momentum"`
 */
export function listOf(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/**
 * A file's text, or an {@link InputError} naming the file.
 * @example `const text = readInput("net.json");`
 */
export function readInput(file: string): string {
  if (!existsSync(file)) throw new InputError(`${file}: no such file`);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`${file}: cannot be read (${(error as Error).message})`);
  }
}

/**
 * The absolute path of an output folder, created if needed and checked for writability by
 * writing and removing a probe file, so that a command fails before its work, not after
 * it; an {@link InputError} that names the `--out` option otherwise.
 * @example `const out = prepareOut(values.out ?? "tapegrad-out");`
 */
export function prepareOut(dir: string): string {
  const out = resolve(dir);
  probeFolder(out, dir, "choose another folder with --out");
  return out;
}

/**
 * The absolute path of an output file, its folder created if needed and checked for
 * writability as {@link prepareOut} checks a folder, before the command's work; an
 * {@link InputError} that names the `--out` option otherwise.
 * @example `const file = prepareOutFile(values.out); // "/home/me/predictions.csv"`
 */
export function prepareOutFile(file: string): string {
  const path = resolve(file);
  if (existsSync(path) && statSync(path).isDirectory()) throw new InputError(`--out ${file}: is a folder; give a file name, e.g. --out ${join(file, "predictions.csv")}`);
  probeFolder(dirname(path), file, "choose another file with --out");
  return path;
}

/** Creates `folder` if needed and writes and removes a probe file there; an InputError naming `--out given` otherwise. */
function probeFolder(folder: string, given: string, advice: string): void {
  const probe = join(folder, `.tapegrad-probe-${process.pid}`);
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (error) {
    // Node's messages end with the syscall and path ("EACCES: permission denied, open '…'"): keep the cause.
    const cause = (error as Error).message.split(", ")[0];
    throw new InputError(`--out ${given}: cannot write there (${cause}); ${advice}`);
  }
}
