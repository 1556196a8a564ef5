import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/** OWASP-recommended argon2id parameters (19 MiB, 2 iterations, 1 lane). */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hashes and checks passwords; every password hash in the system comes from here. */
@Injectable()
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the time of a real verification so unknown accounts answer as slowly as known ones. */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash('kv-dummy-password-for-constant-time');
    await this.verify(await this.dummyHash, password);
  }
}

export const USER_PASSWORD_RULE = { min: 8, max: 128 } as const;

/** Stricter rule for administrator accounts (created by the CLI): returns the problems found. */
export function adminPasswordProblems(password: string, email: string): string[] {
  const problems: string[] = [];
  if (password.length < 12) problems.push('must be at least 12 characters');
  if (password.length > USER_PASSWORD_RULE.max) problems.push(`must be at most ${USER_PASSWORD_RULE.max} characters`);
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) problems.push('must mix at least three of: lower case, upper case, digits, symbols');
  if (new Set(password).size < 6) problems.push('has too few distinct characters');
  const lower = password.toLowerCase();
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 3 && lower.includes(local)) problems.push('must not contain the email address');
  if (['password', 'admin', 'kryptovault', 'changeme', 'change-me', 'qwerty', '123456'].some((w) => lower.includes(w))) {
    problems.push('must not contain a common word (password, admin, qwerty, ...)');
  }
  return problems;
}
