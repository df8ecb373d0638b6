import type { BatchProgress, EpochRecord } from "@tapegrad/nn";

/** Where command output goes: the CLI writes through this, so tests can capture it. */
export interface Io {
  /** Writes text to standard output. */
  out(text: string): void;
  /** Writes text to standard error. */
  err(text: string): void;
  /** Whether standard output is a terminal (progress bars redraw in place only there). */
  isTTY: boolean;
}

const WIDTH = 24;

/** The callbacks {@link progressBar} gives to `fit`. */
export interface ProgressCallbacks {
  /** Redraws the bar after a mini-batch (on a terminal). */
  onBatch(progress: BatchProgress): void;
  /** Finishes the epoch's line. */
  onEpoch(record: EpochRecord): void;
}

/**
 * A progress bar per epoch: on a terminal it redraws in place after every mini-batch; else it
 * prints one line per finished epoch. Each line shows the loss, the accuracy and examples/s.
 * @example `fit(model, data, { ...progressBar(io, epochs) })`
 */
export function progressBar(io: Io, epochs: number, extra?: (record: EpochRecord) => string): ProgressCallbacks {
  const bar = (fraction: number) => "█".repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH, "░");
  const head = (epoch: number) => `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`;
  return {
    onBatch(p: BatchProgress): void {
      if (!io.isTTY) return;
      const fraction = p.batch / p.batches;
      const rate = Math.round(p.examplesSeen / Math.max(p.seconds, 1e-9));
      io.out(`\r${head(p.epoch)} ${bar(fraction)} ${String(Math.round(fraction * 100)).padStart(3)}%  loss ${p.loss.toFixed(4)}  ${rate} ex/s`);
    },
    onEpoch(r: EpochRecord): void {
      const accuracy = r.accuracy === undefined ? "" : `  accuracy ${(r.accuracy * 100).toFixed(1)}%`;
      const line = `${head(r.epoch)} ${bar(1)} 100%  loss ${r.loss.toFixed(4)}${accuracy}  ${Math.round(r.examplesPerSecond)} ex/s${extra ? extra(r) : ""}`;
      io.out(io.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
