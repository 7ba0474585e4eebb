/** The syntax tree of a condition (POLICY.md §3). Offsets are 0-based into the expression text. */

/** A literal value of the language. */
export type Literal = string | number | boolean | null;

/** One step of a path: a property name or an array index. */
export type PathSegment = string | number;

/** A node of the syntax tree. */
export type Node =
  | { kind: "literal"; value: Literal; at: number }
  | { kind: "list"; items: Literal[]; at: number }
  | { kind: "path"; segments: PathSegment[]; text: string; at: number }
  | { kind: "call"; fn: FunctionName; args: Node[]; at: number }
  | { kind: "not"; operand: Node; at: number }
  | { kind: "and" | "or"; left: Node; right: Node; at: number }
  | { kind: "compare"; op: CompareOp; left: Node; right: Node; at: number };

/** The comparison operators. */
export type CompareOp =
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "in"
  | "not in"
  | "matches"
  | "contains"
  | "startswith"
  | "endswith";

/** The built-in functions. */
export const FUNCTIONS = ["len", "lower", "upper", "has", "glob"] as const;
/** A built-in function name. */
export type FunctionName = (typeof FUNCTIONS)[number];
