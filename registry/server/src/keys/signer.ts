/**
 * Signers (REGISTRY.md §6.4): the registry's role keys behind `{publicKey, sign}`, so a KMS or
 * HSM can replace the default file keys. All registry roles except `npm` are Ed25519.
 */
import { publicKeyOf, signEd25519 } from "@agentgov/registry-protocol";

/** An Ed25519 signing key the server never needs to see. */
export interface Signer {
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** A 64-byte Ed25519 signature over `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A {@link Signer} over an in-memory 32-byte seed (loaded from a 0600 key file). */
export class SeedSigner implements Signer {
  readonly publicKey: Uint8Array;
  readonly #seed: Uint8Array;

  constructor(seed: Uint8Array) {
    this.#seed = new Uint8Array(seed);
    this.publicKey = publicKeyOf(this.#seed);
  }

  sign(message: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(signEd25519(message, this.#seed));
  }
}
