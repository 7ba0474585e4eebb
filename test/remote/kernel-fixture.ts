/**
 * What the remote-kernel suites share: the remote kernels and sidecars a test opened
 * (closed after each test). The expected denial comes from `@agentgov/core/testing`.
 */
import type { RemoteKernel } from "@agentgov/core";
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

