/**
 * DSSE signing with {@link Signer}s (REGISTRY.md §4.5): the same PAE and canonical payload as
 * the protocol's `signStatement`, for keys that are not in memory.
 */
import {
  RegistryError, assertNoNull, canonicalBytes, keyIdOf, pae, payloadTypeOf, statementTypeOf, toBase64,
  type Envelope, type StatementKind,
} from "@agentgov/registry-protocol";
import type { Signer } from "./signer.js";

/** Signs a statement of `kind` (its `_type` must match) with every signer. */
export async function signEnvelope(kind: StatementKind, statement: object, signers: readonly Signer[]): Promise<Envelope> {
  if ((statement as { _type?: unknown })._type !== statementTypeOf(kind)) {
    throw new RegistryError("REGISTRY_PAYLOAD_TYPE", `a ${kind} statement must have _type ${statementTypeOf(kind)}`);
  }
  assertNoNull(statement);
  const payload = canonicalBytes(statement);
  const payloadType = payloadTypeOf(kind);
  const message = pae(payloadType, payload);
  const signatures = [];
  for (const signer of signers) signatures.push({ keyid: keyIdOf(signer.publicKey), sig: toBase64(await signer.sign(message)) });
  return { payloadType, payload: toBase64(payload), signatures };
}
