/**
 * Strict parsing of `agentgov-plugin.yaml` (REGISTRY.md §4.2): core schema, unique keys, no
 * merge keys (a `<<` key is refused outright), no anchors or aliases, one document, ≤ 64 KiB, string keys only, no
 * `__proto__`/`constructor`/`prototype`; any parser error **or warning** rejects. Values are
 * never coerced. Errors are `REGISTRY_YAML_INVALID`.
 */
import { Document, isAlias, isMap, isNode, isScalar, parseAllDocuments, visit } from "yaml";
import { RegistryError, decodeUtf8 } from "@agentgov/registry-protocol";

/** Largest authoring file, bytes (§9). */
export const MAX_YAML_BYTES = 64 * 1024;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype", "<<"]);

function invalid(message: string, cause?: unknown): never {
  throw new RegistryError("REGISTRY_YAML_INVALID", message, { cause });
}

/** Parses the bytes of an authoring file into plain data (no coercion; see module doc). */
export function parseAuthoringYaml(bytes: Uint8Array): unknown {
  if (bytes.byteLength > MAX_YAML_BYTES) invalid(`agentgov-plugin.yaml is larger than ${MAX_YAML_BYTES} bytes`);
  const text = decodeUtf8(bytes);
  if (text === undefined) invalid("agentgov-plugin.yaml is not valid UTF-8");
  const options = { schema: "core", uniqueKeys: true, merge: false, strict: true, prettyErrors: false } as const;
  const documents = parseAllDocuments(text, options);
  if (!Array.isArray(documents)) invalid("agentgov-plugin.yaml is empty");
  if (documents.length !== 1) invalid("agentgov-plugin.yaml must hold exactly one document");
  const document: Document = documents[0] as Document;
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) invalid(`agentgov-plugin.yaml: ${problem.message}`, problem);
  visit(document, {
    Alias() {
      invalid("anchors and aliases are not allowed");
    },
    Node(_key, node) {
      if (isNode(node) && !isAlias(node) && node.anchor !== undefined) invalid("anchors and aliases are not allowed");
      if (isNode(node) && !isAlias(node) && node.tag !== undefined && !isMap(node) && !node.tag.startsWith("tag:yaml.org,2002:")) {
        invalid(`tag ${node.tag} is not allowed`);
      }
    },
    Pair(_key, pair) {
      const key: unknown = pair.key;
      if (!isScalar(key) || typeof key.value !== "string") invalid("mapping keys must be strings");
      if (FORBIDDEN_KEYS.has(key.value)) invalid(`key '${key.value}' is not allowed`);
    },
  });
  try {
    return document.toJS({ maxAliasCount: 0 });
  } catch (error) {
    return invalid("agentgov-plugin.yaml could not be converted", error);
  }
}
