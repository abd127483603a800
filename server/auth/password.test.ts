import { hashPassword, loginDecoy, verifyPassword } from './password';

describe('password hashing', () => {
  it('given a password, when hashed, then it is argon2id and verifies only that password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'wrong horse battery')).toBe(false);
  });

  it('given no user, when a password is checked, then it is verified against the one decoy hash and fails', async () => {
    const first = loginDecoy();
    expect(loginDecoy()).toBe(first); // built once (startOrdo builds it before listening)
    expect(await first).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(undefined, 'ordo-decoy-password-never-matches')).toBe(false);
  });
});
