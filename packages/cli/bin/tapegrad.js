#!/usr/bin/env node
// The installed `tapegrad` command: the built CLI (run `pnpm run build` first in this repository).
import "../dist/main.js";
