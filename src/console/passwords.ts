import { hash, verify } from '@node-rs/argon2';

/**
 * Operator passwords: argon2id (OWASP's first choice) through @node-rs/argon2, a maintained Rust
 * binding shipped as prebuilt npm packages (no compiler, no install script). The parameters are
 * the library's defaults (OWASP's minimum for argon2id), slow enough to make guessing costly.
 */
export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function passwordMatches(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false; // a malformed hash signs nobody in
  }
}

/** A hash to verify against when the account does not exist, so a wrong name costs as long as a wrong password. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hash('not-a-password-of-anyone'));
