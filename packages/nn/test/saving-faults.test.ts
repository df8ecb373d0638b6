import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mlp, serializeWeights } from "../src";
import { saveWeights, writeTextAtomically } from "../src/node";

// Faults are injected by mocking node:fs: each of the calls the atomic write makes goes
// through `faults`, which a test replaces for the call it wants to fail, and which defaults
// to the real function. Every call is recorded, with the path an fd was opened for.
type Fs = typeof import("node:fs");
const faults = vi.hoisted(() => ({
  openSync: undefined as undefined | ((real: Fs["openSync"], path: string, flags: string) => number),
  writeSync: undefined as undefined | ((real: (length: number) => number, call: number) => number),
  fsyncSync: undefined as undefined | ((real: () => void, path: string) => void),
  closeSync: undefined as undefined | ((real: () => void, path: string) => void),
  renameSync: undefined as undefined | ((real: () => void) => void),
  calls: [] as string[],
  paths: new Map<number, string>(),
}));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<Fs>();
  const name = (path: unknown) => String(path).split("/").at(-1)!;
  let writes = 0;
  return {
    ...real,
    openSync: (path: string, flags: string, mode?: number) => {
      const fd = faults.openSync ? faults.openSync(real.openSync, path, flags) : real.openSync(path, flags, mode);
      faults.paths.set(fd, path);
      faults.calls.push(`open ${name(path)}`);
      return fd;
    },
    writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => {
      faults.calls.push(`write ${name(faults.paths.get(fd))}`);
      const real1 = (n: number) => real.writeSync(fd, buffer, offset, Math.min(n, length));
      return faults.writeSync ? faults.writeSync(real1, ++writes) : real1(length);
    },
    fsyncSync: (fd: number) => {
      faults.calls.push(`fsync ${name(faults.paths.get(fd))}`);
      const path = faults.paths.get(fd)!;
      return faults.fsyncSync ? faults.fsyncSync(() => real.fsyncSync(fd), path) : real.fsyncSync(fd);
    },
    closeSync: (fd: number) => {
      faults.calls.push(`close ${name(faults.paths.get(fd))}`);
      const path = faults.paths.get(fd)!;
      faults.paths.delete(fd);
      return faults.closeSync ? faults.closeSync(() => real.closeSync(fd), path) : real.closeSync(fd);
    },
    renameSync: (from: string, to: string) => {
      faults.calls.push(`rename ${name(from)} ${name(to)}`);
      return faults.renameSync ? faults.renameSync(() => real.renameSync(from, to)) : real.renameSync(from, to);
    },
    resetWrites: () => (writes = 0),
  };
});

/** A system error as Node makes them. */
const systemError = (code: string, message: string, syscall: string) => Object.assign(new Error(`${code}: ${message}, ${syscall}`), { code, syscall });

let folder: string;
let path: string;
let before: Buffer;
const model = (seed: number) => mlp({ sizes: [4, 16, 3], hidden: "tanh", output: "softmax", convention: "row", seed });

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "tapegrad-faults-"));
  path = join(folder, "weights.json");
  saveWeights(model(1), path);
  before = readFileSync(path);
  faults.calls.length = 0;
  (fs as unknown as { resetWrites(): void }).resetWrites();
});

afterEach(() => {
  faults.openSync = faults.writeSync = faults.fsyncSync = faults.closeSync = faults.renameSync = undefined;
  rmSync(folder, { recursive: true, force: true });
});

/** The old file is intact byte for byte, and nothing else is in the folder. */
const expectOldFileIntact = () => {
  expect(readFileSync(path).equals(before)).toBe(true);
  expect(readdirSync(folder)).toEqual(["weights.json"]);
};

describe("an atomic save", () => {
  it("writes, flushes, renames, then flushes the folder, in that order", () => {
    saveWeights(model(2), path);
    const temporary = `.weights.json.${process.pid}-${threadId}.tapegrad-tmp`;
    expect(faults.calls).toEqual([
      `open ${temporary}`,
      `write ${temporary}`,
      `fsync ${temporary}`,
      `close ${temporary}`,
      `rename ${temporary} weights.json`,
      `open ${folder.split("/").at(-1)}`,
      `fsync ${folder.split("/").at(-1)}`,
      `close ${folder.split("/").at(-1)}`,
    ]);
    expect(readFileSync(path, "utf8")).toBe(serializeWeights(model(2)));
    expect(readdirSync(folder)).toEqual(["weights.json"]);
  });

  it("keeps writing after short writes until every byte is written", () => {
    faults.writeSync = (real) => real(1000); // the system takes at most 1000 bytes per call
    const text = serializeWeights(model(2));
    saveWeights(model(2), path);
    expect(faults.calls.filter((call) => call.startsWith("write")).length).toBe(Math.ceil(Buffer.byteLength(text) / 1000));
    expect(readFileSync(path, "utf8")).toBe(text);
    expect(readdirSync(folder)).toEqual(["weights.json"]);
  });

  it("also writes text beyond ASCII whole", () => {
    faults.writeSync = (real) => real(7); // splits multi-byte characters across calls
    const text = "π ≈ 3.14159, ∂ℓ/∂z = a − y, 😀\n".repeat(50);
    writeTextAtomically(path, text);
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});

describe("a failing save leaves the old file byte for byte, no temporary file, and a clear error", () => {
  it("a short write, then a write that makes no progress", () => {
    faults.writeSync = (real, call) => (call === 1 ? real(100) : 0);
    const size = Buffer.byteLength(serializeWeights(model(2)));
    expect(() => saveWeights(model(2), path)).toThrow(
      `saveWeights: could not write ${path}: the write stopped after 100 of ${size} bytes (the system wrote 0 bytes and no more); any existing file at ${path} is unchanged`,
    );
    expectOldFileIntact();
  });

  it("a first write that returns 0", () => {
    faults.writeSync = () => 0;
    expect(() => saveWeights(model(2), path)).toThrow(/could not write .*weights\.json: the write stopped after 0 of \d+ bytes \(the system wrote 0 bytes and no more\)/);
    expectOldFileIntact();
  });

  it("the disk fills up on the second write (ENOSPC)", () => {
    faults.writeSync = (real, call) => {
      if (call === 1) return real(512);
      throw systemError("ENOSPC", "no space left on device", "write");
    };
    let error: Error | undefined;
    try {
      saveWeights(model(2), path);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toBe(
      `saveWeights: could not write ${path}: the disk is full (ENOSPC: no space left on device, write); any existing file at ${path} is unchanged`,
    );
    expect((error?.cause as Error).cause).toMatchObject({ code: "ENOSPC" }); // saveWeights → writeTextAtomically → the system error
    expectOldFileIntact();
  });

  it("the rename fails", () => {
    faults.renameSync = () => {
      throw systemError("EXDEV", "cross-device link not permitted", "rename");
    };
    expect(() => writeTextAtomically(path, "new text")).toThrow(
      `could not write ${path}: EXDEV: cross-device link not permitted, rename; any existing file at ${path} is unchanged`,
    );
    expectOldFileIntact();
  });

  it("the rename fails for want of permission", () => {
    faults.renameSync = () => {
      throw systemError("EACCES", "permission denied", "rename");
    };
    expect(() => writeTextAtomically(path, "new text")).toThrow(`could not write ${path}: no permission to write in ${folder} (EACCES: permission denied, rename)`);
    expectOldFileIntact();
  });

  it("flushing the file fails (fsync)", () => {
    faults.fsyncSync = (real, file) => {
      if (file.endsWith(".tapegrad-tmp")) throw systemError("EIO", "i/o error", "fsync");
      real();
    };
    expect(() => saveWeights(model(2), path)).toThrow(`saveWeights: could not write ${path}: the disk reported an input/output error (EIO: i/o error, fsync)`);
    expectOldFileIntact();
  });

  it("closing the file reports a deferred failure (as NFS does)", () => {
    faults.closeSync = (real, file) => {
      real();
      if (file.endsWith(".tapegrad-tmp")) throw systemError("EDQUOT", "quota exceeded", "close");
    };
    expect(() => saveWeights(model(2), path)).toThrow(`could not write ${path}: the disk quota is used up (EDQUOT: quota exceeded, close)`);
    expectOldFileIntact();
  });

  it("the temporary file cannot be created", () => {
    faults.openSync = () => {
      throw systemError("EACCES", "permission denied", "open");
    };
    expect(() => saveWeights(model(2), path)).toThrow(`saveWeights: could not write ${path}: no permission to write in ${folder} (EACCES: permission denied, open)`);
    expectOldFileIntact();
  });

  it("flushing the folder fails after the rename: the error says the new file is in place", () => {
    faults.fsyncSync = (real, file) => {
      if (file === folder) throw systemError("EIO", "i/o error", "fsync");
      real();
    };
    expect(() => writeTextAtomically(path, "new text")).toThrow(
      `wrote ${path}, but could not flush its folder ${folder} to disk (the disk reported an input/output error (EIO: i/o error, fsync)); the new file may not survive a power loss`,
    );
    expect(readFileSync(path, "utf8")).toBe("new text");
    expect(readdirSync(folder)).toEqual(["weights.json"]);
  });
});

describe("arguments that would write the wrong thing", () => {
  it("text that is not a string is refused before anything is written", () => {
    expect(() => writeTextAtomically(path, undefined as unknown as string)).toThrow(`writeTextAtomically: the text to write to ${path} must be a string, got undefined; nothing was written`);
    expect(() => writeTextAtomically("", "text")).toThrow('writeTextAtomically: the path must be a non-empty string, got ""');
    expect(faults.calls).toEqual([]);
    expectOldFileIntact();
  });
});

describe("folders that cannot be written", () => {
  it("a path under a regular file (refused even for root)", () => {
    writeFileSync(join(folder, "notes.txt"), "a file, not a folder");
    const target = join(folder, "notes.txt", "weights.json");
    expect(() => saveWeights(model(2), target)).toThrow(
      `saveWeights: could not write ${target}: ${join(folder, "notes.txt")} is not a folder (a part of the path is a file) (ENOTDIR`,
    );
    expect(readdirSync(folder).sort()).toEqual(["notes.txt", "weights.json"]);
  });

  it("a folder without write permission (chmod 0o500): refused with the cause, or, for root, written through as the system allows", () => {
    const locked = join(folder, "locked");
    mkdirSync(locked);
    writeFileSync(join(locked, "weights.json"), before);
    chmodSync(locked, 0o500);
    try {
      // Root (and CAP_DAC_OVERRIDE) writes through any mode: then there is nothing to refuse.
      let privileged = false;
      try {
        writeFileSync(join(locked, "probe"), "");
        rmSync(join(locked, "probe"));
        privileged = true;
      } catch {
        // the folder is read-only for this user, as intended
      }
      const target = join(locked, "weights.json");
      if (privileged) {
        // Root writes through folder modes: the save must then succeed completely, leaving no temporary file.
        saveWeights(model(2), target);
        expect(readFileSync(target, "utf8")).toBe(serializeWeights(model(2)));
      } else {
        expect(() => saveWeights(model(2), target)).toThrow(`saveWeights: could not write ${target}: no permission to write in ${locked} (EACCES`);
        expect(readFileSync(target).equals(before)).toBe(true);
      }
      expect(readdirSync(locked)).toEqual(["weights.json"]);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

describe("temporary files never accumulate", () => {
  it("a save removes those of processes that are gone, and keeps those of running ones", () => {
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const gone = `.weights.json.${child.stdout}-0.tapegrad-tmp`; // a save killed half way
    const running = `.weights.json.${process.ppid}-0.tapegrad-tmp`; // a save under way in another process
    const otherFile = `.model.json.${child.stdout}-0.tapegrad-tmp`; // another target's: not this save's business
    for (const name of [gone, running, otherFile]) writeFileSync(join(folder, name), "partial");
    saveWeights(model(2), path);
    expect(readdirSync(folder).sort()).toEqual([otherFile, running, "weights.json"].sort());
    expect(readFileSync(path, "utf8")).toBe(serializeWeights(model(2)));
  });

  it("a process saving again reuses its own temporary file", () => {
    const own = `.weights.json.${process.pid}-${threadId}.tapegrad-tmp`;
    writeFileSync(join(folder, own), "left over from an earlier, failed save: longer than nothing at all".repeat(1000));
    writeTextAtomically(path, "short");
    expect(readFileSync(path, "utf8")).toBe("short");
    expect(readdirSync(folder)).toEqual(["weights.json"]);
  });
});
