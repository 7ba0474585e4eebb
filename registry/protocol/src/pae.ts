/** DSSE v1 pre-authentication encoding, the bytes that are actually signed (REGISTRY.md §4.5). */
import { utf8 } from "./encoding.js";

/**
 * `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`, lengths in ASCII decimal bytes
 * (the type's length counts its UTF-8 bytes).
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  const head = utf8(`DSSEv1 ${type.byteLength} ${payloadType} ${payload.byteLength} `);
  const out = new Uint8Array(head.byteLength + payload.byteLength);
  out.set(head, 0);
  out.set(payload, head.byteLength);
  return out;
}
