// Writes every ```ts block of the README and docs/ to test/.generated/, so that
// `pnpm run typecheck` can check them with test/tsconfig.docs.json.
import { documentedFiles, extractExamples } from "../src/doc-examples";

const count = documentedFiles().reduce((total, file) => total + extractExamples(file).length, 0);
console.log(`extracted ${count} documentation examples to test/.generated/`);
