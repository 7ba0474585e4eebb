/** A condition that does not parse, or breaks a limit, with its position and a hint. */
export class ConditionSyntaxError extends Error {
  override name = "ConditionSyntaxError";
  /** 0-based offset into the expression text. */
  readonly offset: number;
  /** The likely fix, where one can be guessed. */
  readonly hint: string | undefined;

  constructor(message: string, offset: number, hint?: string) {
    super(message);
    this.offset = offset;
    this.hint = hint;
  }
}
