// Manifolds and traversals live with the models (src/models/manifold.ts), so that models do not import
// analysis; this module keeps the old import path working.
export { latentManifold, latentTraversal } from "../models/manifold";
export type { ManifoldOptions, TraversalOptions } from "../models/manifold";
