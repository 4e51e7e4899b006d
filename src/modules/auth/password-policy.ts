import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError, type FieldError } from '../../platform/errors.ts';

/**
 * Rule 25's password policy, per tenant. The default is reference 004's: 16 characters with lower
 * case, upper case, a digit and a special character. Common passwords (the zxcvbn-ts list of the
 * most used ones) and passwords built from the user's own name or address are refused too.
 */
export interface PasswordPolicy {
  minLength: number;
  requireLower: boolean;
  requireUpper: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
  maxAgeDays: number;
  historyCount: number;
  forbidCommon: boolean;
  forbidPersonalInfo: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minLength: 16,
  requireLower: true,
  requireUpper: true,
  requireDigit: true,
  requireSymbol: true,
  maxAgeDays: 0,
  historyCount: 5,
  forbidCommon: true,
  forbidPersonalInfo: true,
};

export interface LockoutPolicy {
  maxFailures: number;
  windowMinutes: number;
  lockMinutes: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = { maxFailures: 5, windowMinutes: 15, lockMinutes: 15 };

export function passwordPolicyOf(settings: unknown): PasswordPolicy {
  return {
    ...DEFAULT_PASSWORD_POLICY,
    ...((settings as { password?: Partial<PasswordPolicy> })?.password ?? {}),
  };
}

export function lockoutPolicyOf(settings: unknown): LockoutPolicy {
  return {
    ...DEFAULT_LOCKOUT_POLICY,
    ...((settings as { lockout?: Partial<LockoutPolicy> })?.lockout ?? {}),
  };
}

const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

export interface PersonalInfo {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  username?: string | null;
}

/** Every way `password` breaks `policy`, as field errors (empty when it is acceptable). */
export function passwordViolations(
  policy: PasswordPolicy,
  password: string,
  who: PersonalInfo,
): FieldError[] {
  const out: FieldError[] = [];
  const add = (code: string, message: string) => out.push({ field: 'body/password', code, message });
  if ([...password].length < policy.minLength)
    add('password.too_short', `must be at least ${policy.minLength} characters long`);
  if (policy.requireLower && !/\p{Ll}/u.test(password))
    add('password.needs_lower', 'must contain a lower-case letter');
  if (policy.requireUpper && !/\p{Lu}/u.test(password))
    add('password.needs_upper', 'must contain an upper-case letter');
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) add('password.needs_digit', 'must contain a digit');
  if (policy.requireSymbol && !/[^\p{L}\p{Nd}\s]/u.test(password))
    add('password.needs_symbol', 'must contain a special character');
  const lower = password.toLowerCase();
  if (policy.forbidCommon) {
    // the list holds bare words; a common word dressed up with a digit and a symbol is still common
    const core = lower.replace(/[^\p{L}\p{Nd}]+/gu, '').replace(/\d+$/, '');
    const letters = lower.replace(/[^\p{L}]+/gu, '');
    const isCommon = (w: string) => w.length >= 4 && COMMON.has(w) && w.length * 2 >= lower.length;
    if (COMMON.has(lower) || isCommon(core) || isCommon(letters)) {
      add('password.common', 'is one of the most commonly used passwords');
    }
  }
  if (policy.forbidPersonalInfo) {
    const parts = [who.firstName, who.lastName, who.username, who.email?.split('@')[0]]
      .filter((p): p is string => typeof p === 'string')
      .map((p) => p.toLowerCase())
      .filter((p) => p.length >= 3);
    if (parts.some((p) => lower.includes(p)))
      add('password.personal_info', 'must not contain your name, username or email');
  }
  return out;
}

export function assertPasswordAcceptable(policy: PasswordPolicy, password: string, who: PersonalInfo): void {
  const errors = passwordViolations(policy, password, who);
  if (errors.length > 0) {
    throw new AppError(
      'invalid',
      'password.policy',
      `The password does not meet the policy: ${errors.map((e) => e.message).join('; ')}.`,
      {
        errors,
      },
    );
  }
}
