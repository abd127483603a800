/**
 * Task forms are validated in the browser by code that ajv generates on the server ("standalone"
 * code), because the designer's CSP forbids eval/new Function. The server serves that code as a
 * same-origin ES module whose default export takes the few ajv run-time helpers it may reference
 * (listed here, shared by both sides) and returns rjsf's map of precompiled validate functions.
 */
export const FORM_VALIDATOR_RUNTIME = ['ajv/dist/runtime/equal', 'ajv/dist/runtime/ucs2length', 'ajv/dist/runtime/uri', 'ajv/dist/runtime/validation_error', 'ajv-formats/dist/formats'] as const;
export type FormValidatorRuntimeId = (typeof FORM_VALIDATOR_RUNTIME)[number];

/** What the served module's default export returns: rjsf ValidatorFunctions keyed by schema $id/hash. */
export type FormValidatorFactory = (runtime: Record<FormValidatorRuntimeId, unknown>) => Record<string, (data: unknown) => boolean>;
