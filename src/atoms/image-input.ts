import { ImageStack, isImageStack } from "../data/image-stack";
import { check, checkFinite } from "../util/errors";

/** Accepts an ImageStack or a single image with its size. */
export function asStack(
  img: ImageStack | { data: Float32Array; height: number; width: number },
  where: string,
): ImageStack {
  const s = isImageStack(img) ? img : { data: img.data, n: 1, height: img.height, width: img.width };
  check(s.data instanceof Float32Array, where, "expected image data as a Float32Array");
  check(
    s.data.length === s.n * s.height * s.width,
    where,
    `image data has ${s.data.length} values, expected n*height*width = ${s.n * s.height * s.width}`,
  );
  checkFinite(s.data, where, "the image");
  return s;
}
