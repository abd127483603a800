/**
 * Typed failures of a connector call. The engine decides from these alone: retry with backoff,
 * raise an incident, or throw a BPMN error that a boundary error event can catch.
 */
import { AppError } from '../../workflows/model/errors';

export class ConnectorError extends AppError {
  readonly status = 502;
  readonly code = 'connector';
  /** true: a network error, timeout, 5xx or 429 — worth another try later. */
  readonly retryable: boolean;
  /** set: the failure is a business outcome, thrown into the flow as this BPMN error code. */
  readonly bpmnErrorCode?: string;
  /** honoured by the retry policy when the remote side said when to come back (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(message: string, options: { retryable: boolean; bpmnErrorCode?: string; retryAfterMs?: number; cause?: unknown; details?: Record<string, unknown> }) {
    super(message, { cause: options.cause, extensions: options.details });
    this.retryable = options.retryable;
    this.bpmnErrorCode = options.bpmnErrorCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A business error for the flow (caught by a boundary error event with this errorCode). */
export class BpmnError extends ConnectorError {
  constructor(errorCode: string, message?: string) {
    super(message ?? errorCode, { retryable: false, bpmnErrorCode: errorCode });
  }
}
