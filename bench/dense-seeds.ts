/**
 * Is test/training/cards-rotation.test.ts's rVAE borderline? (issue 15: why native dense "broke" it.) Trains the
 * test's rVAE (cards3, 32 px, 1600 cards, 12 epochs, batch 32, lr 3e-3, pixelSubsample 0.25, model seed 0) with the
 * models' dense layers in tfjs or on the native matmul, for a few training seeds, and prints |ρ| per suit.
 *
 *   npx tsx bench/dense-seeds.ts --dense 0|1 --seeds 0,1,2
 */
import { opt } from "./cli";

async function main(): Promise<void> {
  const { selectBackend } = await import("../src/backend");
  await selectBackend({ verbose: false });
  const native = await import("../src/native");
  native.useNativeDense(opt("dense", "0") === "1");
  const { cards, RVAE, train, angleRecovery } = await import("../src/index");
  const size = 32;
  const data = cards.lecture("cards3", { n: 1600, seed: 1, size });
  for (const seed of opt("seeds", "0").split(",").map(Number)) {
    const rvae = new RVAE({ imageShape: [size, size], latentDim: 2, seed: 0 });
    const t0 = Date.now();
    await train(rvae, data.images, {
      epochs: 12,
      batchSize: 32,
      learningRate: 3e-3,
      seed,
      progress: false,
      pixelSubsample: 0.25,
    });
    const enc = rvae.encode(data.images);
    const rec = angleRecovery(enc.angle!, data.factors.angle, { groups: data.factors.suit, symmetry: data.symmetry });
    const perSuit = rec.groups.map((g) => `${data.suitNames[g.group]} ${g.rho.toFixed(3)}`).join(", ");
    console.log(
      `dense ${opt("dense", "0")} train seed ${seed}: mean |rho| ${rec.meanAbsRho.toFixed(3)} (${perSuit}) ` +
        `${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    rvae.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
