/**
 * Demo data: the plans of a small savings product and one admin (`npm run seed`, and the
 * first `npm start`). Idempotent: existing plans (by name) and an existing admin are left as
 * they are, so it never undoes what someone changed through the admin API.
 *
 * The admin's password is generated, printed once when the admin is created, and kept in
 * Backend/.local/ (mode 600, git-ignored): admin.json for npm start's embedded database, a
 * file named after the database otherwise, so seeding another database never overwrites the
 * local admin's password.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AuthEventType, PrismaClient, Role, type AssetCode } from '@prisma/client';
import { createPrismaPg } from '../database/pg-adapter';
import { PasswordHasher } from '../users/password-hasher';
import { LOCAL_DIR } from './local-dir';

export const DEMO_ADMIN_EMAIL = 'admin@kryptovault.local';

/** Where the seeded admin's password is kept: admin.json for npm start's embedded database (no URL), else per database (host, port, name). */
export function adminCredentialsFile(databaseUrl?: string): string {
  if (!databaseUrl) return path.join(LOCAL_DIR, 'admin.json');
  const url = new URL(databaseUrl);
  const name = `${url.hostname}-${url.port || '5432'}-${decodeURIComponent(url.pathname.slice(1)) || 'postgres'}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(LOCAL_DIR, `admin-${name}.json`);
}

/** A small savings product: short and long terms on the main assets. */
export const DEMO_PLANS: { name: string; asset: AssetCode; minAmount: string; maxAmount: string; returnPercentPer30Days: string; durationDays: number }[] = [
  { name: 'Bitcoin Saver 30', asset: 'BTC', minAmount: '0.001', maxAmount: '2', returnPercentPer30Days: '1.2', durationDays: 30 },
  { name: 'Bitcoin Builder 90', asset: 'BTC', minAmount: '0.01', maxAmount: '5', returnPercentPer30Days: '1.6', durationDays: 90 },
  { name: 'Ether Flex 14', asset: 'ETH', minAmount: '0.01', maxAmount: '50', returnPercentPer30Days: '0.8', durationDays: 14 },
  { name: 'Tether Steady 60', asset: 'USDT', minAmount: '50', maxAmount: '100000', returnPercentPer30Days: '0.9', durationDays: 60 },
];

export interface SeedResult {
  plansCreated: number;
  admin: { email: string; created: boolean; password?: string };
  /** Where the password is kept. */
  credentialsFile: string;
}

/** 144 random bits, with every character class so the admin password rules always pass. */
function generatePassword(): string {
  return `${crypto.randomBytes(18).toString('base64url')}-Kv7`;
}

export async function seed(databaseUrl: string, credentialsFile = adminCredentialsFile(databaseUrl)): Promise<SeedResult> {
  const prisma = new PrismaClient({ adapter: createPrismaPg(databaseUrl) });
  try {
    const { count: plansCreated } = await prisma.plan.createMany({ data: DEMO_PLANS, skipDuplicates: true });
    const existing = await prisma.user.findUnique({ where: { email: DEMO_ADMIN_EMAIL } });
    if (existing) return { plansCreated, admin: { email: DEMO_ADMIN_EMAIL, created: false }, credentialsFile };
    const password = generatePassword();
    const user = await prisma.user.create({
      data: { email: DEMO_ADMIN_EMAIL, name: 'Demo Admin', passwordHash: await new PasswordHasher().hash(password), role: Role.ADMIN, emailVerifiedAt: new Date() },
    });
    await prisma.authEvent.create({ data: { userId: user.id, type: AuthEventType.REGISTERED, metadata: { via: 'seed' } } });
    fs.mkdirSync(path.dirname(credentialsFile), { recursive: true });
    fs.writeFileSync(credentialsFile, JSON.stringify({ email: DEMO_ADMIN_EMAIL, password }, null, 2), { mode: 0o600 });
    return { plansCreated, admin: { email: DEMO_ADMIN_EMAIL, created: true, password }, credentialsFile };
  } finally {
    await prisma.$disconnect();
  }
}

export function describeSeed(result: SeedResult): string[] {
  const lines = [`seed: ${result.plansCreated} plan(s) created (${DEMO_PLANS.length - result.plansCreated} already there)`];
  if (result.admin.created) {
    lines.push(`seed: admin ${result.admin.email} created with password ${result.admin.password}`);
    lines.push(`seed: the password is shown once and kept in ${path.relative(process.cwd(), result.credentialsFile)} (mode 600)`);
  } else {
    lines.push(`seed: admin ${result.admin.email} already exists (unchanged)`);
  }
  return lines;
}

if (require.main === module) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write('seed: DATABASE_URL is not set (npm start seeds its embedded database by itself)\n');
    process.exit(2);
  }
  seed(databaseUrl).then(
    (result) => {
      for (const line of describeSeed(result)) process.stdout.write(`${line}\n`);
    },
    (error) => {
      process.stderr.write(`seed failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
