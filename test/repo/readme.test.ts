/**
 * The README's TypeScript examples compile against this checkout's API (issue 12: typed results, no `enc.angle!`).
 * Each ```ts block becomes a module: its imports at the top, the rest (notebook cells allow top-level await) in an
 * async function; "ivae" maps to src/index.ts. Type-checked in memory with the repository's compiler options.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..", "..");

/** The ```ts blocks of a markdown text. */
export function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

/** A block as a module: imports first, the rest inside an async function (for top-level await). */
function asModule(block: string): string {
  const lines = block.split("\n");
  const imports = lines.filter((l) => /^import\s/.test(l));
  const body = lines.filter((l) => !/^import\s/.test(l));
  return `${imports.join("\n")}\nexport async function cell(): Promise<void> {\n${body.join("\n")}\n}\n`;
}

/** Type errors of the given modules (file name -> text), compiled together with the repository's sources. */
function typeErrors(modules: Map<string, string>): string[] {
  const cfg = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    },
  )!;
  const options: ts.CompilerOptions = {
    ...cfg.options,
    noEmit: true,
    baseUrl: ROOT,
    paths: { ivae: ["src/index.ts"] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    modules.has(name) ? ts.createSourceFile(name, modules.get(name)!, lang) : getSourceFile(name, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => modules.has(name) || fileExists(name);
  const program = ts.createProgram([...modules.keys()], options, host);
  return [...modules.keys()].flatMap((name) => {
    const sf = program.getSourceFile(name)!;
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => {
      const line = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${path.basename(name)}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  });
}

describe("README: the TypeScript examples compile", function () {
  this.timeout(120000);
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const blocks = tsBlocks(readme);

  it("has TypeScript examples and none that needs a non-null assertion on an encoding", () => {
    assert.ok(blocks.length >= 1, "no ```ts block in README.md");
    const bangs = blocks.flatMap((b) => b.match(/\benc\w*\.\w+!/g) ?? []);
    assert.deepEqual(bangs, [], "the typed encodings make `!` unnecessary");
  });

  it("type-checks every ```ts block against src/ (and the check catches a wrong one)", () => {
    const modules = new Map(
      blocks.map((b, i) => [path.join(ROOT, "test", "repo", `readme-block-${i}.ts`), asModule(b)]),
    );
    const wrong = path.join(ROOT, "test", "repo", "readme-block-wrong.ts");
    // the first block with a misspelt method: the same check must reject it
    modules.set(wrong, asModule(blocks[0].replace(/model\.encode\(/, "model.encodeAll(")));
    const errors = typeErrors(modules);
    assert.deepEqual(
      errors.filter((e) => !e.startsWith("readme-block-wrong.ts")),
      [],
      "README.md examples do not compile",
    );
    assert.ok(
      errors.some((e) => e.startsWith("readme-block-wrong.ts") && /encodeAll/.test(e)),
      `the misspelt block was not rejected: ${errors.join("; ")}`,
    );
  });
});
