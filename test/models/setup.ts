import { selectBackend } from "../../src/backend";

/** Every test file of this area runs on the default backend (wasm), quietly. */
export async function useBackend(): Promise<void> {
  await selectBackend({ verbose: false });
}
