import type { Command } from "./args";
import { check } from "./commands/check";
import { demo } from "./commands/demo";
import { explain } from "./commands/explain";
import { graph } from "./commands/graph";
import { predict } from "./commands/predict";
import { train } from "./commands/train";
import { InputError } from "./errors";
import type { Io } from "./progress";

const USAGE = `tapegrad: reverse-mode autodiff over a computational graph

usage: tapegrad <command> [options]

commands:
  demo                     train an MLP (or, with --model cnn, a CNN) on real handwritten
                           digits, compare the tape's gradients with the hand-derived ones,
                           write pictures
  check <spec.json>        the agreement table of tape, hand-derived and finite-difference
                           gradients for a network spec; exit code 1 if they disagree
  graph <spec.json>        draw the tape of one forward and backward pass as SVG
  explain <spec.json>      the backward pass step by step (op, vjp formula, shapes), and a
                           picture of every value and gradient
  train <data.csv>         train an MLP on a CSV file of numeric features: a classifier of
                           a class column, or (--task regression) a numeric target
  predict <weights.json> <data.csv>
                           apply a model trained by train to new rows, with its saved
                           preprocessing; writes the predictions as CSV

Run 'tapegrad <command> --help' for a command's options.
Exit codes: 0 success, 1 gradients disagree (check), 2 bad input.
`;

/** The commands by name; a name from the command line is looked up as an own property. */
const COMMANDS: Readonly<Record<string, Command>> = { demo, check, graph, explain, train, predict };

/**
 * Runs the `tapegrad` command line with the given arguments and returns the exit code:
 * 0 on success, 1 when `check` finds disagreeing gradients, 2 for bad input.
 * @example `process.exitCode = await runCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), isTTY: true })`
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      io.out(USAGE);
      return name === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      throw new InputError(`tapegrad: unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(", ")} (see tapegrad --help)`);
    }
    const command = COMMANDS[name];
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(command.help);
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof InputError) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
