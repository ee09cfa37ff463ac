import { z } from "zod";
import { Text } from "./text.ts";

/** Emails are compared trimmed and lower-cased. */
export const Email = Text.trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address" }).max(254));

export const PASSWORD_MIN_LENGTH = 8;
export const Password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(256, "Use at most 256 characters");

export const SignUpInput = z.strictObject({
  email: Email,
  password: Password,
  name: Text.trim().min(1).max(100).optional(),
});
export type SignUpInput = z.infer<typeof SignUpInput>;

export const SignInInput = z.strictObject({
  email: Email,
  // Any length is accepted here, so a wrong password and a wrong email read the same.
  password: z.string().min(1).max(256),
});
export type SignInInput = z.infer<typeof SignInInput>;

export const PublicUser = z.object({
  id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  admin: z.boolean(),
});
export type PublicUser = z.infer<typeof PublicUser>;

export const AuthMeOutput = z.object({
  /** The signed-in account, or null for a guest or an anonymous caller. */
  user: PublicUser.nullable(),
  /** True when the caller chats as a guest (a guest session exists or will be made). */
  guest: z.boolean(),
  /** Messages the guest may still send before signing in; null when unlimited or signed in. */
  guestMessagesLeft: z.number().int().nullable(),
  features: z.object({
    requireLogin: z.boolean(),
    allowSignup: z.boolean(),
    oidc: z.boolean(),
  }),
});
export type AuthMeOutput = z.infer<typeof AuthMeOutput>;

export const SessionInfo = z.object({
  id: z.string(),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  expiresAt: z.date(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  /** The session making this request. */
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const RevokeSessionInput = z.strictObject({ id: Text.min(1).max(100) });

export const ApiTokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  /** The secret's first characters, to tell tokens apart. */
  prefix: z.string(),
  createdAt: z.date(),
  expiresAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
});
export type ApiTokenInfo = z.infer<typeof ApiTokenInfo>;

export const CreateTokenInput = z.strictObject({
  name: Text.trim().min(1).max(100),
  /** Days until the token stops working; none = never. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenInput = z.infer<typeof CreateTokenInput>;

export const CreateTokenOutput = z.object({
  token: ApiTokenInfo,
  /** The secret, shown this once: only its hash is stored. */
  secret: z.string(),
});
export type CreateTokenOutput = z.infer<typeof CreateTokenOutput>;

export const RevokeTokenInput = z.strictObject({ id: Text.min(1).max(100) });
