/**
 * Every `error` code the API answers with, and what it means to a client. AppError takes only
 * these (a new code does not compile until it is described here), and the OpenAPI document
 * lists them on ErrorBodyDto.error, so the frontend's contract is this table.
 */
export const ERROR_CODES = {
  // 400
  VALIDATION_FAILED: '400: a field of the body, query or path is missing or invalid; `details` names each',
  BAD_REQUEST: '400: the request cannot be read (malformed JSON, for one)',
  ASSET_DISABLED: '400: the asset is not enabled on this platform (no new deposits or investments in it)',
  INVALID_CODE: '400: the email verification code is wrong, expired, used or replaced by a newer one',
  INVALID_RESET_TOKEN: '400: the password reset link is wrong, expired or used',
  // 401
  UNAUTHORIZED: '401: authentication is required',
  ACCESS_TOKEN_MISSING: '401: no `Authorization: Bearer` access token',
  ACCESS_TOKEN_INVALID: '401: the access token is malformed, wrongly signed or not an access token',
  ACCESS_TOKEN_EXPIRED: '401: the access token expired: refresh it (POST /auth/refresh)',
  ACCESS_TOKEN_REVOKED: '401: the session ended (logout everywhere, password reset, role change, verification): log in again',
  INVALID_CREDENTIALS: '401: wrong email or password (the same answer for an unknown email)',
  REFRESH_TOKEN_MISSING: '401: no refresh cookie',
  INVALID_REFRESH_TOKEN: '401: the refresh cookie is unknown, expired or revoked: log in again',
  REFRESH_TOKEN_REUSED: '401: a rotated refresh token was presented again: every session of that login is revoked',
  STREAM_TICKET_INVALID: '401: the notification stream ticket is unknown, used or expired: ask for a new one',
  // 403
  FORBIDDEN: '403: not allowed',
  FORBIDDEN_ROLE: '403: the route needs another role (admin routes)',
  EMAIL_NOT_VERIFIED: '403: verify the email address before logging in',
  KYC_REQUIRED: '403: withdrawals need an approved identity verification',
  // 404
  NOT_FOUND: '404: no such route or resource',
  USER_NOT_FOUND: '404: no such user',
  DEPOSIT_NOT_FOUND: '404: no such deposit of the caller',
  WITHDRAWAL_NOT_FOUND: '404: no such withdrawal of the caller',
  INVESTMENT_NOT_FOUND: '404: no such investment of the caller',
  PLAN_NOT_FOUND: '404: no such plan (or not active, for investing)',
  NOTIFICATION_NOT_FOUND: '404: no such notification of the caller',
  SESSION_NOT_FOUND: '404: no such automation session of the caller',
  KYC_SUBMISSION_NOT_FOUND: '404: no such KYC submission',
  // 405, 406
  METHOD_NOT_ALLOWED: '405: the route does not take this method',
  NOT_ACCEPTABLE: '406: the Accept header asks for a representation the route does not serve',
  // 409
  CONFLICT: '409: conflicts with the current state',
  INSUFFICIENT_FUNDS: '409: the balance does not cover the amount (holds of pending withdrawals included)',
  TX_ALREADY_USED: '409: this transaction hash was already submitted for this asset on the platform',
  PAYOUT_TX_ALREADY_USED: '409: this payout transaction hash was already recorded for another withdrawal',
  DEPOSIT_NOT_OPEN: '409: a hash can only be submitted once, to an OPEN deposit',
  DEPOSIT_EXPIRED: '409: the deposit intent expired; open a new one',
  DEPOSIT_FINAL: '409: the deposit is already credited, rejected or expired',
  TOO_MANY_OPEN_DEPOSITS: '409: too many deposit intents are open; use or let one expire first',
  WITHDRAWAL_NOT_PENDING: '409: the withdrawal was already approved, rejected or cancelled',
  INVESTMENT_FINAL: '409: the investment is already completed or cancelled',
  PLAN_NAME_TAKEN: '409: another plan has this name',
  KYC_ALREADY_SUBMITTED: '409: identity verification is already pending or approved',
  KYC_ALREADY_DECIDED: '409: this KYC submission was already decided',
  SESSION_NOT_RUNNING: '409: the automation session is not running',
  // 413, 415, 422
  PAYLOAD_TOO_LARGE: '413: the body is larger than the limit',
  UNSUPPORTED_MEDIA_TYPE: '415: send JSON (Content-Type: application/json)',
  UNPROCESSABLE_ENTITY: '422: the request is well-formed but cannot be processed',
  // 429 (with Retry-After)
  TOO_MANY_REQUESTS: '429: too many requests',
  RATE_LIMITED: '429: too many requests from this client or for this account; wait Retry-After seconds',
  LOGIN_LOCKED: '429: too many failed logins for this account from this client; wait Retry-After seconds (other clients are not affected)',
  TOO_MANY_STREAMS: '429: too many notification streams are open for this user; close one first',
  // 500, 503
  INTERNAL_ERROR: '500: a bug on our side (reported with the request id); nothing was half-written',
  SERVICE_UNAVAILABLE: '503: try again shortly',
  DATABASE_UNAVAILABLE: '503: the database cannot be reached right now; retry shortly (another replica may answer)',
  NOT_READY: '503: /readyz: this instance cannot serve yet (database, migrations) or is shutting down',
  SHUTTING_DOWN: '503: this instance is shutting down; reconnect (to another replica)',
  STREAM_UNAVAILABLE: '503: live notifications are unavailable right now; reconnect shortly',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The table in the OpenAPI document (Markdown, shown by /docs). */
export function errorCodesMarkdown(): string {
  return Object.entries(ERROR_CODES)
    .map(([code, meaning]) => `- \`${code}\`: ${meaning}`)
    .join('\n');
}
