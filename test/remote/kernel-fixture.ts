/**
 * What the remote-kernel suites share: the remote kernels and sidecars a test opened
 * (closed after each test) and the `GovernanceDenied` a governed call must reject with.
 */
import { GovernanceDenied, type RemoteKernel } from "@agentgov/core";
import type { Sidecar } from "./sidecar.js";

/** A remote kernel and the sidecar it talks to. */
export interface KernelAndSidecar {
  kernel: RemoteKernel;
  sidecar: Sidecar;
}

/** Pairs opened by a test, closed (kernel first) by {@link OpenedKernels.closeAll} in `afterEach`. */
export class OpenedKernels {
  readonly #open: KernelAndSidecar[] = [];

  /** Remembers `pair` for the next `closeAll` and returns it. */
  add(pair: KernelAndSidecar): KernelAndSidecar {
    this.#open.push(pair);
    return pair;
  }

  /** Closes every pair opened since the last call. */
  async closeAll(): Promise<void> {
    for (const { kernel, sidecar } of this.#open.splice(0)) {
      await kernel.close();
      await sidecar.stop();
    }
  }
}

/** The `GovernanceDenied` that `promise` rejects with; any other outcome fails the test. */
export async function denial(promise: Promise<unknown>): Promise<GovernanceDenied> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GovernanceDenied) return error;
    throw error;
  }
  throw new Error("expected GovernanceDenied");
}
