/** Path-parameter schemas shared by routes. */
import { z } from 'zod';

export const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character id');
export const idParams = z.object({ id: objectId });
/** keys of versioned content (process, rule set, template, connector): lower-case, digits, - and _ */
export const contentKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _ (max 64)');
export const keyParams = z.object({ key: contentKey });
