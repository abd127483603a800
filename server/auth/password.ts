import argon2 from 'argon2';

/** argon2id with OWASP's second recommended profile (19 MiB, t=2, p=1): ~30 ms here. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, OPTIONS);

/** A real hash of nothing, verified when the user does not exist so both paths take the same time. */
let decoy: Promise<string> | undefined;

/**
 * The decoy hash, built once. startOrdo awaits it before it listens, so even the first sign-in of an
 * unknown user costs one verification, not a hash plus a verification.
 */
export const loginDecoy = (): Promise<string> => (decoy ??= hashPassword('ordo-decoy-password-never-matches'));

export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  const target = hash ?? (await loginDecoy());
  const ok = await argon2.verify(target, password).catch(() => false);
  return hash !== undefined && ok;
}
