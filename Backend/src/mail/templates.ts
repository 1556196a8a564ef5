import { escapeHtml, plainText } from './escape';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Every email the platform sends. User-provided values are passed in `vars`; the layout
 * escapes them for HTML and strips control characters for the text part, so no template
 * can forget to.
 */
type Vars = Record<string, string>;

interface Template {
  subject: string;
  text: (v: Vars) => string;
  /** Receives HTML-escaped values only. */
  html: (v: Vars) => string;
}

function render(template: Template, vars: Vars): RenderedEmail {
  const text = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, plainText(v)]));
  const html = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, escapeHtml(plainText(v))]));
  return {
    subject: template.subject,
    text: `${template.text(text)}\n\n-- \nKryptoVault\n`,
    html: `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${template.html(html)}<p style="color:#777">KryptoVault</p></body></html>`,
  };
}

const VERIFICATION_CODE: Template = {
  subject: 'Your KryptoVault verification code',
  text: (v) =>
    `Hello ${v.name},\n\nYour verification code is: ${v.code}\n\nIt expires in ${v.minutes} minutes. ` +
    `If you did not create a KryptoVault account, ignore this email.`,
  html: (v) =>
    `<p>Hello ${v.name},</p><p>Your verification code is:</p><p style="font-size:24px;letter-spacing:4px"><strong>${v.code}</strong></p>` +
    `<p>It expires in ${v.minutes} minutes. If you did not create a KryptoVault account, ignore this email.</p>`,
};

const ACCOUNT_EXISTS: Template = {
  subject: 'Someone tried to register with your email',
  text: (v) =>
    `Hello ${v.name},\n\nSomeone tried to create a KryptoVault account with this email address, ` +
    `but you already have one. If it was you, log in or reset your password. Otherwise, ignore this email.`,
  html: (v) =>
    `<p>Hello ${v.name},</p><p>Someone tried to create a KryptoVault account with this email address, but you already have one.</p>` +
    `<p>If it was you, log in or reset your password. Otherwise, ignore this email.</p>`,
};

// No name: the account's is the first registrant's, who may not be the inbox's owner.
const REGISTRATION_EXPIRED: Template = {
  subject: 'Register again to finish your KryptoVault account',
  text: () =>
    `Hello,\n\nA new verification code was asked for this email address, but the registration it belonged to has expired. ` +
    `To finish creating your account, register again with the password you want: a new code will follow. ` +
    `If you did not create a KryptoVault account, ignore this email.`,
  html: () =>
    `<p>Hello,</p><p>A new verification code was asked for this email address, but the registration it belonged to has expired.</p>` +
    `<p>To finish creating your account, register again with the password you want: a new code will follow. If you did not create a KryptoVault account, ignore this email.</p>`,
};

const PASSWORD_RESET: Template = {
  subject: 'Reset your KryptoVault password',
  text: (v) =>
    `Hello ${v.name},\n\nOpen this link to choose a new password:\n${v.link}\n\n` +
    `It works once and expires in ${v.minutes} minutes. If you did not ask for this, ignore this email; your password stays the same.`,
  html: (v) =>
    `<p>Hello ${v.name},</p><p><a href="${v.link}">Choose a new password</a></p><p>Or open this link: ${v.link}</p>` +
    `<p>It works once and expires in ${v.minutes} minutes. If you did not ask for this, ignore this email; your password stays the same.</p>`,
};

const PASSWORD_CHANGED: Template = {
  subject: 'Your KryptoVault password was changed',
  text: (v) => `Hello ${v.name},\n\nYour password was just changed and every session was signed out. If this was not you, reset your password now and contact support.`,
  html: (v) => `<p>Hello ${v.name},</p><p>Your password was just changed and every session was signed out.</p><p>If this was not you, reset your password now and contact support.</p>`,
};

const KYC_DECISION: Template = {
  subject: 'Your KryptoVault identity verification',
  text: (v) => `Hello ${v.name},\n\n${v.message}`,
  html: (v) => `<p>Hello ${v.name},</p><p>${v.message}</p>`,
};

export const emails = {
  verificationCode: (name: string, code: string, ttlSeconds: number) =>
    render(VERIFICATION_CODE, { name, code, minutes: String(Math.round(ttlSeconds / 60)) }),
  accountExists: (name: string) => render(ACCOUNT_EXISTS, { name }),
  registrationExpired: () => render(REGISTRATION_EXPIRED, {}),
  passwordReset: (name: string, link: string, ttlSeconds: number) =>
    render(PASSWORD_RESET, { name, link, minutes: String(Math.round(ttlSeconds / 60)) }),
  passwordChanged: (name: string) => render(PASSWORD_CHANGED, { name }),
  kycDecision: (name: string, message: string) => render(KYC_DECISION, { name, message }),
};
