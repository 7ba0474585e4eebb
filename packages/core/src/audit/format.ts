/**
 * The on-disk format of an agentgov audit log, version 1 (stable; a change bumps `v`).
 *
 * A log is UTF-8 JSONL: one JSON object per line, each line ending in `\n`.
 *
 * 1. **Header**, the first line and only there, keys in this order:
 *    `{"type":"header","v":1,"genesis":<hex>,"created":<ISO-8601>,"nonce":<hex>,"key_id":<hex>?}`
 *    - `nonce`: 32 random bytes; `genesis` = sha256(canonicalJson({created, nonce})), the
 *      `prev` of seq 1;
 *    - `key_id` (signed logs only): sha256 of the raw 32-byte Ed25519 public key.
 *
 * 2. **Records**: plain `AuditRecord` objects, *without* a `type` field (that is how
 *    they are told apart from header and checkpoint lines). A record line is the record's
 *    RFC 8785 canonical JSON without `hash`, with `,"hash":"<hex>"}` in place of its closing
 *    brace; `hash` = sha256 of exactly those canonical bytes. Fields: `v` (1), `seq` (1-based,
 *    gapless), `ts` (ISO-8601), `prev`, the `AuditEntry` fields, `hash`.
 *
 * 3. **Checkpoints**, after the record they cover, keys in this order:
 *    `{"type":"checkpoint","seq":N,"hash":<hex>,"final":bool,"ts":<ISO-8601>,"key_id":<hex>?,"sig":<base64>?}`
 *    - `seq`/`hash`: the last record's (0 and the genesis for an empty log);
 *    - written after every record whose seq is a multiple of `checkpointEvery`, and with
 *      `final: true` by `close()`;
 *    - `sig` (signed logs): Ed25519 over the UTF-8 bytes of
 *      `canonicalJson({final, genesis, hash, seq, ts, type: "checkpoint", v: 1})`.
 *
 * A log that was closed and reopened continues the same chain after its final checkpoint;
 * it is sealed again by the next `close()`. (Truncating such a log back to an earlier final
 * checkpoint cannot be told from the file alone: keep the last sealed head elsewhere if that
 * matters.)
 *
 * All hex values are 64 lowercase hex characters (sha256).
 */

/** The version of the on-disk format this package writes and reads (`v` of header and records). */
export const AUDIT_FORMAT_VERSION = 1;
