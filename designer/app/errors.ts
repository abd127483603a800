/** Translated messages for API failures: a sentence by status, field messages by path. */
import type { TFunction } from 'i18next';
import { ApiError } from './api';

export function errorKey(err: unknown): string {
  if (!(err instanceof ApiError)) return 'errors.unexpected';
  if (err.status === 0) return 'errors.network';
  if (err.status === 400) return 'errors.badRequest';
  if (err.status === 401) return 'errors.unauthenticated';
  if (err.status === 403) return 'errors.forbidden';
  if (err.status === 404) return 'errors.notFound';
  // four-eyes publishing: the server filed an approval request instead of publishing
  if (err.status === 409 && err.problem?.approvalRequired === true) return 'errors.approvalRequired';
  if (err.status === 409) return 'errors.conflict';
  if (err.status === 413) return 'errors.tooLarge';
  if (err.status === 422) return 'errors.unprocessable';
  if (err.status === 429) return 'errors.rateLimited';
  if (err.status === 503) return 'errors.unavailable';
  return 'errors.server';
}

/** The translated sentence for any failure (keys live in the common namespace). */
export function errorMessage(t: TFunction, err: unknown): string {
  return t(errorKey(err), { ns: 'common' });
}

/**
 * The message to show under one form field: a translated hint from `hints` when the server named
 * the field, else the server's own text; undefined when the field is fine.
 */
export function fieldError(err: unknown, path: string, hints: Record<string, string> = {}): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const message = err.fieldMessage(path);
  if (message === undefined) return undefined;
  return hints[path] ?? message;
}
