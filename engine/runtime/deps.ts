import type { Logger } from 'pino';
import type { CallContext, ConnectorInvoker, DocumentPrinter, RuleEvaluator } from '../ports';

/** What a built-in handler receives besides its mapped input. */
export interface HandlerContext extends CallContext {
  /** the process variables when the task started (a copy) */
  variables: Readonly<Record<string, unknown>>;
  /** sets a process variable when the task completes */
  setVariable(name: string, value: unknown): void;
  /** adds a note to the instance history */
  note(text: string, data?: unknown): void;
}

/** A built-in service-task handler, addressed by camunda:connector connectorId. Throw ConnectorError for typed failures. */
export type ServiceHandler = (input: Record<string, unknown>, ctx: HandlerContext) => unknown | Promise<unknown>;

export interface SessionDeps {
  logger: Logger;
  clock(): Date;
  newId(): string;
  /** increments and returns the attempt counter of a service execution (in the DB, before the attempt) */
  countAttempt(jobId: string, info: { instanceId: string; activityId: string; executionId: string }): Promise<number>;
  backoff(attempt: number, retryAfterMs?: number): number;
  rules: RuleEvaluator;
  connectors: ConnectorInvoker;
  printer?: DocumentPrinter;
  handler(id: string): ServiceHandler | undefined;
  commandTimeoutMs: number;
}
