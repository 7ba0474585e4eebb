/**
 * `governModel(options)`: a `wrapLanguageModel` middleware that screens and audits at the
 * model boundary (FRAMEWORKS.md §4): stage `input` on the new messages of each model call
 * (the user's text and tool results since the model last spoke), stage `output` on the
 * text the model produced. Defence in depth, not tool enforcement: tools stay governed by
 * `governTools` (a call dropped here would never get a result, §4.2-4).
 *
 * A denied input never reaches the model, and a denied output is withheld: in both cases
 * the app and the loop get the shared denial text as the model's answer. `steer` appends
 * the rule's message (to the prompt as a system message at `input`, to the text at
 * `output`), `transform` with `redact: ["output"]` replaces the text with `[REDACTED]`; any
 * other transform, and `require_approval` (no approval flow at the model boundary), deny.
 */
import { type AuditEntry, type Decision, REDACTED, renderDenial, type Stage } from "@agentgov/core";
import { agentIdOf, type AiSdkGovernOptions, appendSteer, errorDecision, isObject, kernelOf, messageOf, runIdOf, toText } from "./internal.js";

/** Options of {@link governModel}. */
export interface GovernModelOptions extends AiSdkGovernOptions {
  /** Screen the prompt (`input`). Default true. */
  input?: boolean;
  /** Screen the generated text (`output`). Default true. With streaming, this buffers the stream until it finishes. */
  output?: boolean;
}

interface GenerateResultLike {
  content: unknown[];
  finishReason?: unknown;
}

interface StreamResultLike {
  stream: ReadableStream<unknown>;
}

/** The middleware, structurally compatible with ai@6 (`v3`) and ai@7 (`v4`) `wrapLanguageModel`. */
export interface GovernModelMiddleware {
  readonly specificationVersion: "v3";
  transformParams: <P>(options: { type: "generate" | "stream"; params: P }) => Promise<P>;
  wrapGenerate: <R>(options: { doGenerate: () => PromiseLike<R>; params: unknown }) => Promise<R>;
  wrapStream: <S>(options: { doStream: () => PromiseLike<S>; params: unknown }) => Promise<S>;
}

const EMPTY_USAGE = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};
const STOP = { unified: "stop", raw: undefined };

/**
 * Builds the middleware.
 *
 * @example const model = wrapLanguageModel({ model: base, middleware: governModel({ kernel, agent: "support-bot" }) });
 */
export function governModel(options: GovernModelOptions): GovernModelMiddleware {
  const kernel = kernelOf(options);
  const screenInput = options.input !== false;
  const screenOutput = options.output !== false;
  /** Input denials, by the params object the model would have been called with. */
  const blocked = new WeakMap<object, Decision>();

  /** Decides one model-boundary stage and records it; never throws (fails closed). */
  const check = (stage: Stage, text: string): Decision => {
    let decision: Decision;
    try {
      const context: Record<string, unknown> = { text };
      const runId = runIdOf(options, { toolName: stage });
      if (runId !== undefined) context.run = { id: runId };
      decision = kernel.decide({ agent: options.agent, stage, context });
    } catch (error) {
      return errorDecision(kernel, error);
    }
    const applicable = decision.allowed && (decision.action !== "transform" || onlyRedactsText(decision));
    const final: Decision = decision.action === "require_approval" ? { ...decision, allowed: false, code: "approval_required", reason: `${decision.reason} (no approval flow at the model boundary)` } : decision;
    try {
      const entry: AuditEntry = { kind: "decision", agent: agentIdOf(options.agent), stage, decision: summarize(final), policy_digest: kernel.digest, outcome: { status: applicable ? "ok" : "denied" } };
      const runId = runIdOf(options, { toolName: stage });
      if (runId !== undefined) entry.run_id = runId;
      kernel.audit.append(entry);
    } catch (error) {
      return { ...errorDecision(kernel, error, "audit_unavailable"), reason: `The audit log cannot take the record, so the call is denied: ${messageOf(error)}` };
    }
    if (applicable) return final;
    return final.allowed ? { ...final, allowed: false, action: "deny", reason: `${final.reason} (this transform cannot be applied at the model boundary)` } : final;
  };

  return {
    specificationVersion: "v3",
    transformParams: <P>({ params }: { type: "generate" | "stream"; params: P }): Promise<P> => {
      if (!screenInput || !isObject(params) || !Array.isArray(params.prompt)) return Promise.resolve(params);
      const prompt = params.prompt as unknown[];
      const start = newMessagesStart(prompt);
      const text = textOf(prompt.slice(start));
      const decision = check("input", text);
      const out = { ...params } as Record<string, unknown>;
      if (!decision.allowed) {
        blocked.set(out, decision);
        return Promise.resolve(out as P);
      }
      if (decision.action === "transform") out.prompt = [...prompt.slice(0, start), ...prompt.slice(start).map(redactMessage)];
      else if (decision.action === "steer") out.prompt = [...prompt, { role: "system", content: `[agentgov] ${decision.reason}` }];
      return Promise.resolve(out as P);
    },
    wrapGenerate: async <R>({ doGenerate, params }: { doGenerate: () => PromiseLike<R>; params: unknown }): Promise<R> => {
      const denied = isObject(params) ? blocked.get(params) : undefined;
      if (denied !== undefined) return { content: [{ type: "text", text: renderDenial(denied) }], finishReason: STOP, usage: EMPTY_USAGE, warnings: [] } as R;
      const result = await doGenerate();
      if (!screenOutput || !isObject(result) || !Array.isArray(result.content)) return result;
      const generated = result as unknown as GenerateResultLike;
      const decision = check("output", textOf([{ role: "assistant", content: generated.content }]));
      if (!decision.allowed) return { ...generated, content: [{ type: "text", text: renderDenial(decision) }], finishReason: STOP } as R;
      if (decision.action === "transform") return { ...generated, content: generated.content.map(redactPart) } as R;
      if (decision.action === "steer") return { ...generated, content: steerContent(generated.content, decision.reason) } as R;
      return result;
    },
    wrapStream: async <S>({ doStream, params }: { doStream: () => PromiseLike<S>; params: unknown }): Promise<S> => {
      const denied = isObject(params) ? blocked.get(params) : undefined;
      if (denied !== undefined) return { stream: textStream(renderDenial(denied), undefined) } as S;
      const result = await doStream();
      if (!screenOutput || !isObject(result) || !(result.stream instanceof ReadableStream)) return result;
      const streamed = result as unknown as StreamResultLike;
      return { ...streamed, stream: streamed.stream.pipeThrough(bufferAndScreen(check)) } as S;
    },
  };
}

/** True when the transform only redacts the whole text (`redact: ["output"]`), the one transform applicable here. */
function onlyRedactsText(decision: Decision): boolean {
  const t = decision.transform;
  return t !== undefined && Object.keys(t.set ?? {}).length === 0 && (t.redact ?? []).length > 0 && (t.redact ?? []).every((p) => p === "output");
}

function summarize(d: Decision): AuditEntry["decision"] {
  const out: AuditEntry["decision"] = { allowed: d.allowed, action: d.action, matched_rule: d.matched_rule, policy: d.policy, code: d.code, reason: d.reason };
  if (d.rate_limited === true) out.rate_limited = true;
  if (d.severity !== undefined) out.severity = d.severity;
  if (d.errors !== undefined) out.errors = d.errors;
  return out;
}

/** Index of the first message after the model last spoke (the new input of this call). */
function newMessagesStart(prompt: unknown[]): number {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const m = prompt[i];
    if (isObject(m) && m.role === "assistant") return i + 1;
  }
  return 0;
}

/** The text of user, tool and assistant messages (system messages excluded). */
function textOf(messages: unknown[]): string {
  const out: string[] = [];
  for (const m of messages) {
    if (!isObject(m) || m.role === "system") continue;
    if (typeof m.content === "string") out.push(m.content);
    else if (Array.isArray(m.content)) for (const part of m.content) out.push(...partText(part));
  }
  return out.join("\n");
}

function partText(part: unknown): string[] {
  if (!isObject(part)) return [];
  if (part.type === "text" && typeof part.text === "string") return [part.text];
  if (part.type === "tool-result" && isObject(part.output)) {
    const value = part.output.value;
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap((v) => (isObject(v) && typeof v.text === "string" ? [v.text] : []));
    return [toText(value)];
  }
  return [];
}

function redactMessage(message: unknown): unknown {
  if (!isObject(message) || message.role === "system") return message;
  if (typeof message.content === "string") return { ...message, content: REDACTED };
  if (Array.isArray(message.content)) return { ...message, content: message.content.map(redactPart) };
  return message;
}

function redactPart(part: unknown): unknown {
  if (!isObject(part)) return part;
  if (part.type === "text") return { ...part, text: REDACTED };
  if (part.type === "tool-result") return { ...part, output: { type: "text", value: REDACTED } };
  return part;
}

function steerContent(content: unknown[], reason: string): unknown[] {
  let last = -1;
  content.forEach((p, i) => {
    if (isObject(p) && p.type === "text") last = i;
  });
  if (last < 0) return [...content, { type: "text", text: `[agentgov] ${reason}` }];
  return content.map((p, i) => (i === last && isObject(p) && typeof p.text === "string" ? { ...p, text: appendSteer(p.text, reason) } : p));
}

/** A model stream that says `text` and stops. */
function textStream(text: string, finish: unknown): ReadableStream<unknown> {
  const id = "agentgov-denial";
  return new ReadableStream({
    start(controller) {
      controller.enqueue({ type: "stream-start", warnings: [] });
      controller.enqueue({ type: "text-start", id });
      controller.enqueue({ type: "text-delta", id, delta: text });
      controller.enqueue({ type: "text-end", id });
      controller.enqueue(isObject(finish) ? { ...finish, finishReason: STOP } : { type: "finish", finishReason: STOP, usage: EMPTY_USAGE });
      controller.close();
    },
  });
}

/** Buffers a model stream until `finish`, screens its text at `output`, then releases it (or the denial). */
function bufferAndScreen(check: (stage: Stage, text: string) => Decision): TransformStream<unknown, unknown> {
  const parts: unknown[] = [];
  const release = (controller: TransformStreamDefaultController<unknown>): void => {
    const text = parts.flatMap((p) => (isObject(p) && p.type === "text-delta" && typeof p.delta === "string" ? [p.delta] : [])).join("");
    const decision = check("output", text);
    const finish = parts.find((p) => isObject(p) && p.type === "finish");
    if (!decision.allowed) {
      const start = parts.find((p) => isObject(p) && p.type === "stream-start");
      if (start !== undefined) controller.enqueue(start);
      const id = "agentgov-denial";
      controller.enqueue({ type: "text-start", id });
      controller.enqueue({ type: "text-delta", id, delta: renderDenial(decision) });
      controller.enqueue({ type: "text-end", id });
      controller.enqueue(isObject(finish) ? { ...finish, finishReason: STOP } : { type: "finish", finishReason: STOP, usage: EMPTY_USAGE });
      return;
    }
    for (const p of parts) {
      if (p === finish && decision.action === "steer") {
        const id = "agentgov-steer";
        controller.enqueue({ type: "text-start", id });
        controller.enqueue({ type: "text-delta", id, delta: `\n\n[agentgov] ${decision.reason}` });
        controller.enqueue({ type: "text-end", id });
      }
      if (decision.action === "transform" && isObject(p) && p.type === "text-delta") controller.enqueue({ ...p, delta: REDACTED });
      else controller.enqueue(p);
    }
  };
  return new TransformStream({
    transform(part, controller) {
      parts.push(part);
      if (isObject(part) && part.type === "finish") {
        release(controller);
        parts.length = 0;
      }
    },
    flush(controller) {
      if (parts.length > 0) release(controller);
    },
  });
}
