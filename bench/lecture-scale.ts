/**
 * How long notebooks 02/03 full mode would take at the lecture's scale (issue 15: 48 px, 3000 cards per suit,
 * i.e. 12,000 per variant): times one training epoch of each notebook's recipe on one variant and multiplies
 * by epochs × variants. Training only (encoding, plots and manifolds not counted).
 *
 *   npx tsx bench/lecture-scale.ts [--n 12000] [--size 48] [--epochs-vae 30] [--epochs-rvae 15] [--variants 4]
 */
const argv = process.argv.slice(2);
const num = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};

async function main(): Promise<void> {
  const { selectBackend } = await import("../src/backend");
  await selectBackend({ verbose: false });
  await import("../src/native");
  const { cards } = await import("../src/data");
  const { VAE, RVAE } = await import("../src/models");
  const { train } = await import("../src/training");
  const n = num("n", 12000),
    size = num("size", 48),
    variants = num("variants", 4);
  const data = cards.lecture("cards3", { n, seed: 0, size });
  const out: Record<string, number> = {};
  // notebook 02: VAE, batch 100, Adam 1e-3, 30 epochs
  {
    const model = new VAE({ imageShape: [size, size], latentDim: 2, seed: 0 });
    const t0 = performance.now();
    await train(model, data.images, { epochs: 1, batchSize: 100, learningRate: 1e-3, seed: 0, progress: false });
    out.vaeEpochSeconds = (performance.now() - t0) / 1000;
    out.vaeNotebookSeconds = out.vaeEpochSeconds * num("epochs-vae", 30) * variants;
  }
  // notebook 03: rVAE (default equivariant encoder), batch 32, Adam 3e-3, pixelSubsample 0.25, 15 epochs
  {
    const model = new RVAE({ imageShape: [size, size], latentDim: 2, seed: 0 });
    const t0 = performance.now();
    await train(model, data.images, {
      epochs: 1,
      batchSize: 32,
      learningRate: 3e-3,
      pixelSubsample: 0.25,
      seed: 0,
      progress: false,
    });
    out.rvaeEpochSeconds = (performance.now() - t0) / 1000;
    out.rvaeNotebookSeconds = out.rvaeEpochSeconds * num("epochs-rvae", 15) * variants;
  }
  console.log(JSON.stringify({ n, size, variants, ...out }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
