/** API contracts of identity: zod schemas shared by the server (validation) and the designer (types). */
import { z } from 'zod';
import { ALL_PERMISSIONS, ROLES, type Permission } from './permissions';
import { CHANNELS } from '../../workflows/model/order';

export const LOCALES = ['en', 'zh-CN', 'zh-TW'] as const;
export type Locale = (typeof LOCALES)[number];

const email = z.string().trim().toLowerCase().pipe(z.email().max(254));
/** Password policy: 12+ characters, not all of one kind. */
export const passwordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256, 'must be at most 256 characters')
  .refine((p) => /[A-Za-z]/.test(p) && /[^A-Za-z]/.test(p), 'must mix letters with digits or symbols');

export const loginBody = z.strictObject({ email: z.string().trim().toLowerCase().max(254), password: z.string().max(256) });
export type LoginBody = z.infer<typeof loginBody>;

/** Candidate groups a user works for (BPMN camunda:candidateGroups), e.g. reviewers, warehouse. */
export const groupsSchema = z.array(z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _')).max(50);

/** Record scope: the channels and warehouses a user (or API key) is limited to; empty lists = all. */
export const recordScopeSchema = z.strictObject({
  channels: z.array(z.enum(CHANNELS)).max(CHANNELS.length).default([]),
  warehouses: z.array(z.string().trim().min(1, 'must not be empty').max(100).refine((w) => ![...w].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127), 'must not contain control characters')).max(100).default([]),
});
export type RecordScopeDto = { channels: string[]; warehouses: string[] };

export const createUserBody = z.strictObject({
  email,
  name: z.string().trim().min(1).max(120),
  role: z.enum(ROLES),
  groups: groupsSchema.default([]),
  password: passwordSchema,
  locale: z.enum(LOCALES).optional(),
  scope: recordScopeSchema.optional(),
});
export type CreateUserBody = z.input<typeof createUserBody>;

export const updateUserBody = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    role: z.enum(ROLES).optional(),
    groups: groupsSchema.optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
    locale: z.enum(LOCALES).nullable().optional(),
    scope: recordScopeSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export type UpdateUserBody = z.input<typeof updateUserBody>;

export const updateMeBody = z.strictObject({ locale: z.enum(LOCALES).nullable() });

export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  scopes: z.array(z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]])).min(1).max(ALL_PERMISSIONS.length),
  expiresAt: z.iso.datetime().optional(),
  /** record scope of the key (see SECURITY.md); absent = all orders */
  recordScope: recordScopeSchema.optional(),
});
export type CreateApiKeyBody = z.input<typeof createApiKeyBody>;

export interface UserDto {
  id: string;
  email: string;
  name: string;
  role: (typeof ROLES)[number];
  groups: string[];
  disabled: boolean;
  locale: Locale | null;
  /** record scope; empty lists = all warehouses / channels */
  scope: RecordScopeDto;
  createdAt: string;
}

export interface MeDto {
  user: UserDto;
  permissions: Permission[];
  csrfToken: string;
}

export interface ApiKeyDto {
  id: string;
  name: string;
  prefix: string;
  scopes: Permission[];
  recordScope: RecordScopeDto;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Returned once, at creation: the only time the secret is shown. */
export interface CreatedApiKeyDto extends ApiKeyDto {
  key: string;
}
