/**
 * Runs one notebook in this process and writes its result as JSON (used by `npm run lecture`, one
 * process per notebook so that each starts with a fresh kernel-like state).
 *   node dist/src/notebook/run-child.js <in.ipynb> <out.ipynb> <figuresDir> <result.json> [--echo]
 */
import * as fs from "fs";
import { runNotebook } from "./runner";

async function main(): Promise<void> {
  const [input, output, figuresDir, resultFile] = process.argv.slice(2);
  if (!input || !output || !figuresDir || !resultFile) {
    console.error("usage: run-child <in.ipynb> <out.ipynb> <figuresDir> <result.json> [--echo]");
    process.exit(2);
  }
  const result = await runNotebook({
    input,
    output,
    figuresDir,
    echo: process.argv.includes("--echo") ? process.stdout : undefined,
  });
  fs.writeFileSync(resultFile, JSON.stringify(result, null, 1));
  // tfjs and timers left by cells may keep the loop alive: a kernel would simply be shut down.
  process.exit(result.ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(3);
});
