/**
 * n small deterministic test images of `size` × `size`: an elongated Gaussian blob whose centre and width vary with
 * the image index, so a model has something to fit and every image differs. Shared by the native training tests.
 */
export function blobImages(n: number, size: number): { data: Float32Array; n: number; height: number; width: number } {
  const data = new Float32Array(n * size * size);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        const di = i - size / 2 + (k % 3),
          dj = j - size / 2 - (k % 2);
        data[(k * size + i) * size + j] = Math.exp(-(di * di + 2 * dj * dj) / (4 + (k % 5)));
      }
  return { data, n, height: size, width: size };
}
