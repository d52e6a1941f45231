/**
 * `npm run results`: the figures of merit of issue 13 over several seeds (mean ± sd), written to
 * out/results/results.json and docs/RESULTS.md.
 *   (a) cards (both styles of `cards.lecture`, 48 px): plain VAE vs rVAE on held-out cards: −ELBO, suit accuracy
 *       from z, angle |ρ|, the suits decoded at their cluster centres, reconstructions → suit, inverted cells;
 *   (b) rotated digits (±120°, 28 px, 2-D z): VAE upright, VAE rotated, rVAE rotated: digit accuracy and k-means
 *       ARI from z, R² of the rotation from z, |ρ| per asymmetric digit.
 *
 *   npm run results                      # both sections, seeds 1,2,3 (long: run it in the background)
 *   npm run results -- --fast            # smoke check in a few minutes (small data, few epochs, 2 seeds);
 *                                        # writes out/results/fast/ and out/results/RESULTS-fast.md, never docs/
 *   npm run results -- --only=cards      # one section; the other's last results (out/results/<section>.json)
 *   npm run results -- --only=digits     #   are kept, so the two can run one after the other or side by side
 *   npm run results -- --doc-only        # no training: docs/RESULTS.md again from out/results/{cards,digits}.json
 *   npm run results -- --only=cards --lecture-budget   # the lecture's budget: 12,000 notebook-style cards3,
 *                                        # 100 epochs, batch 50 (hours on a CPU; not run for docs/RESULTS.md:
 *                                        # the verdict checks issue 13's "≤ 90 nats within the lecture's budget"
 *                                        # at the run's own budget when that is no larger, and says which it was)
 *   options: --seeds=1,2,3 --variants=cards3,cards4 --styles=ivae,notebook --n=2000 --n-test=400 --size=48
 *            --epochs=15 --vae-epochs=15 --batch=32 --lr=0.003 --subsample=0.25 --digits-n=4000
 *            --digits-epochs=20 --digits-frames=upright|sync|search (--digits-sync=on: sync, off: search)
 *            --out=out/results --doc=docs/RESULTS.md
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { selectBackend, coordDecoderName } from "../src/index";
import { parseConfig } from "./results/config";
import { cardsRun, type CardsRun } from "./results/cards";
import { digitsRun, type DigitsRun } from "./results/digits";
import { markdown, type ResultsMeta } from "./results/markdown";

/** The document as the repository's Prettier would write it, so that `npm run format:check` passes after a run. */
async function prettierMarkdown(text: string, file: string): Promise<string> {
  try {
    const prettier = await import("prettier");
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, parser: "markdown" });
  } catch (e) {
    console.warn(`results: Prettier not available (${(e as Error).message}); ${file} written unformatted`);
    return text;
  }
}

function readSection<T>(file: string): { meta?: ResultsMeta; runs: T[] } {
  return fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, "utf8")) as { meta: ResultsMeta; runs: T[] })
    : { runs: [] };
}

async function main(): Promise<void> {
  const cfg = parseConfig();
  const backend = await selectBackend({ verbose: true });
  const dir = cfg.fast ? path.join(cfg.out, "fast") : cfg.out;
  fs.mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const meta = (): ResultsMeta => ({
    generated: new Date().toISOString(),
    command: `npm run results${process.argv.length > 2 ? " -- " + process.argv.slice(2).join(" ") : ""}`,
    backend: backend.description,
    coordDecoder: coordDecoderName(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalSeconds: (Date.now() - started) / 1000,
    config: cfg,
  });
  const cardsFile = path.join(dir, "cards.json"),
    digitsFile = path.join(dir, "digits.json");
  // Each section is written after every seed, so a long run that is stopped still leaves its finished seeds.
  if (cfg.only === "all" || cfg.only === "cards") {
    const runs: CardsRun[] = [];
    for (const variant of cfg.cards.variants)
      for (const style of cfg.cards.styles)
        for (const seed of cfg.seeds) {
          console.log(`cards: ${variant}, style ${style}, seed ${seed}`);
          runs.push(await cardsRun(cfg, variant, style, seed));
          fs.writeFileSync(cardsFile, JSON.stringify({ meta: meta(), runs }, null, 1));
        }
  }
  if (cfg.only === "all" || cfg.only === "digits") {
    const runs: DigitsRun[] = [];
    for (const seed of cfg.seeds) {
      console.log(`digits: seed ${seed}`);
      runs.push(await digitsRun(cfg, seed));
      fs.writeFileSync(digitsFile, JSON.stringify({ meta: meta(), runs }, null, 1));
    }
  }
  // The document and results.json combine the latest run of each section (each keeps its own command and config).
  const cardsPart = readSection<CardsRun>(cardsFile),
    digitsPart = readSection<DigitsRun>(digitsFile);
  const m = meta();
  const doc = markdown(m, cardsPart.runs, digitsPart.runs, {
    cards: cardsPart.meta,
    digits: digitsPart.meta,
  });
  fs.writeFileSync(
    path.join(dir, "results.json"),
    JSON.stringify({ meta: m, cards: cardsPart, digits: digitsPart }, null, 1),
  );
  const docFile = cfg.fast && cfg.doc === "docs/RESULTS.md" ? path.join(cfg.out, "RESULTS-fast.md") : cfg.doc;
  fs.mkdirSync(path.dirname(docFile), { recursive: true });
  fs.writeFileSync(docFile, await prettierMarkdown(doc, docFile));
  console.log(`wrote ${path.join(dir, "results.json")} and ${docFile} (${m.totalSeconds.toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
