/**
 * The OWASP Top 10 for Agentic Applications (2026 edition, v1.0, published December 2025 by
 * the OWASP GenAI Security Project's Agentic Security Initiative). Identifiers and names as
 * published: https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/
 * (list as reproduced in https://www.promptfoo.dev/docs/red-team/owasp-agentic-ai — looked
 * up for this catalogue; secondary summaries that number the list differently were not used).
 */

/** The risk identifiers, ASI01–ASI10. */
export const OWASP_AGENTIC_IDS = ["ASI01", "ASI02", "ASI03", "ASI04", "ASI05", "ASI06", "ASI07", "ASI08", "ASI09", "ASI10"] as const;
/** One risk identifier. */
export type OwaspAgenticId = (typeof OWASP_AGENTIC_IDS)[number];

/** The list's edition, recorded in the evidence. */
export const OWASP_AGENTIC_EDITION = "OWASP Top 10 for Agentic Applications 2026 (v1.0, December 2025)";

/** The published name of each risk. */
export const OWASP_AGENTIC_NAMES: Readonly<Record<OwaspAgenticId, string>> = {
  ASI01: "Agent Goal Hijack",
  ASI02: "Tool Misuse and Exploitation",
  ASI03: "Identity and Privilege Abuse",
  ASI04: "Agentic Supply Chain Vulnerabilities",
  ASI05: "Unexpected Code Execution (RCE)",
  ASI06: "Memory and Context Poisoning",
  ASI07: "Insecure Inter-Agent Communication",
  ASI08: "Cascading Failures",
  ASI09: "Human-Agent Trust Exploitation",
  ASI10: "Rogue Agents",
};
