import bcrypt from 'bcryptjs';

/** Cost 4 is bcrypt's minimum: the registry checks every request, and tests make many. */
const TEST_BCRYPT_COST = 4;

export function htpasswdFile(users: Readonly<Record<string, string>>): string {
  return Object.entries(users)
    .map(([user, password]) => `${user}:${bcrypt.hashSync(password, TEST_BCRYPT_COST)}\n`)
    .join('');
}
