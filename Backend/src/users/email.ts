/** The one email normalization: stored, looked up and rate-limited in this form. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
