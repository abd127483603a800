/** Identity aggregates: users, sessions, apiKeys. */
import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { ROLES, ALL_PERMISSIONS } from '../contracts/permissions';
import { LOCALES } from '../contracts/auth';

const userSchema = new Schema(
  {
    email: { type: String, required: true, unique: true, lowercase: true, trim: true },
    name: { type: String, required: true },
    passwordHash: { type: String, required: true },
    role: { type: String, required: true, enum: ROLES },
    groups: { type: [String], default: [] },
    disabled: { type: Boolean, default: false },
    locale: { type: String, enum: [...LOCALES, null], default: null },
    /** Record scope (issue: security): empty = all warehouses / channels. */
    scope: {
      warehouses: { type: [String], default: [] },
      channels: { type: [String], default: [] },
    },
  },
  { timestamps: true, collection: 'users', optimisticConcurrency: true },
);

const sessionSchema = new Schema(
  {
    /** sha256 of the cookie token; the token itself is never stored. */
    _id: { type: String },
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    csrfToken: { type: String, required: true },
    expiresAt: { type: Date, required: true, index: true },
    ip: { type: String },
    userAgent: { type: String },
  },
  { timestamps: true, collection: 'sessions' },
);

const apiKeySchema = new Schema(
  {
    name: { type: String, required: true },
    /** first characters of the key, to recognise it in lists */
    prefix: { type: String, required: true },
    /** sha256 of the secret part (keys are 256-bit random, so a fast hash is enough) */
    secretHash: { type: String, required: true, unique: true },
    scopes: { type: [String], enum: ALL_PERMISSIONS, required: true },
    /** Record scope of the key (server/auth/record-scope.ts): empty = all warehouses / channels. */
    recordScope: {
      warehouses: { type: [String], default: [] },
      channels: { type: [String], default: [] },
    },
    createdBy: { type: Schema.Types.ObjectId },
    expiresAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'apiKeys' },
);

/** Failed sign-ins per e-mail (hashed), whether or not the account exists: lockout without enumeration. */
const loginAttemptSchema = new Schema(
  {
    _id: { type: String },
    failures: { type: Number, default: 0 },
    lockedUntil: { type: Date, default: null },
    lastFailureAt: { type: Date },
  },
  { collection: 'loginAttempts', versionKey: false },
);

export type LoginAttemptDoc = InferSchemaType<typeof loginAttemptSchema>;

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: import('mongoose').Types.ObjectId; createdAt: Date; updatedAt: Date };
export type SessionDoc = InferSchemaType<typeof sessionSchema>;
export type ApiKeyDoc = InferSchemaType<typeof apiKeySchema> & { _id: import('mongoose').Types.ObjectId; createdAt: Date };

export interface AuthModels {
  User: Model<UserDoc>;
  Session: Model<SessionDoc>;
  ApiKey: Model<ApiKeyDoc>;
  LoginAttempt: Model<LoginAttemptDoc>;
}

export function authModels(connection: Connection): AuthModels {
  return {
    User: (connection.models.User as Model<UserDoc>) ?? connection.model<UserDoc>('User', userSchema as never),
    Session: (connection.models.Session as Model<SessionDoc>) ?? connection.model<SessionDoc>('Session', sessionSchema),
    ApiKey: (connection.models.ApiKey as Model<ApiKeyDoc>) ?? connection.model<ApiKeyDoc>('ApiKey', apiKeySchema as never),
    LoginAttempt: (connection.models.LoginAttempt as Model<LoginAttemptDoc>) ?? connection.model<LoginAttemptDoc>('LoginAttempt', loginAttemptSchema),
  };
}
