/**
 * What the engine needs from the outside, as interfaces. The server wires implementations in
 * (rule sets from engine/rules, connectors from connectors/); the engine never imports a concrete
 * connector.
 */

/** Context passed with every side-effecting call, for idempotency and logging. */
export interface CallContext {
  instanceId: string;
  activityId: string;
  businessKey?: string;
  /** stable across retries of the same activity execution */
  idempotencyKey: string;
  attempt: number;
}

/** Service tasks: `camunda:connector` connectorId = "<connector>.<operation>" or a built-in handler id. */
export interface ConnectorInvoker {
  /** true when the id names a known connector operation or built-in handler (checked at deploy). */
  has(connectorId: string): boolean;
  /** Throws ConnectorError (connectors/sdk/errors) for typed failures; anything else counts as retryable. */
  invoke(connectorId: string, input: Record<string, unknown>, ctx: CallContext): Promise<unknown>;
}

/** A decision returned by a business-rule task; stored in `ordo:resultVariable`. */
export interface RuleDecision {
  ruleSet: { key: string; version: number };
  outcome: Record<string, unknown>;
  /** why: each rule fired or not, each condition's values (kept with the order's history) */
  explanation?: unknown;
}

/** Business-rule tasks: `ordo:ruleSet="key"` or `"key@3"` for a pinned version. */
export interface RuleEvaluator {
  has(ref: string): Promise<boolean>;
  evaluate(ref: string, facts: Record<string, unknown>, ctx: CallContext): Promise<RuleDecision>;
}

/** User-task forms: `camunda:formKey` → a JSON Schema (+ UI schema) authored as content. */
export interface FormRegistry {
  get(formKey: string): Promise<{ key: string; schema: Record<string, unknown>; uiSchema?: Record<string, unknown> } | undefined>;
}

/** Print tasks: `ordo:template` + target; the printing module renders and attaches the PDF. */
export interface DocumentPrinter {
  has(templateKey: string): Promise<boolean>;
  print(templateKey: string, variables: Record<string, unknown>, ctx: CallContext): Promise<{ printJobId: string; pages: number }>;
}
