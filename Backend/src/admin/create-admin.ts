/**
 * Creates an administrator (the only way one comes to exist; no API route can):
 *
 *   ADMIN_EMAIL=ops@example.com ADMIN_NAME="Ops" ADMIN_PASSWORD=... npm run admin:create
 *   printf '%s\n' "$PASSWORD" | npm run admin:create -- --email ops@example.com
 *
 * Reads DATABASE_URL. The password comes from ADMIN_PASSWORD or stdin (never an argument,
 * which other users could read from the process list), and weak passwords are refused.
 * `--promote` makes an existing, verified account an admin instead (its password is kept;
 * its access tokens issued before are refused, so the role change applies to every session).
 * An unverified account is refused: whoever registered it has not proven the inbox, and
 * verifying later sets the credentials bound to the code (docs/auth.md).
 */
import readline from 'node:readline';
import { AuthEventType, PrismaClient, Role } from '@prisma/client';
import { createPrismaPg } from '../database/pg-adapter';
import { normalizeEmail } from '../users/email';
import { adminPasswordProblems, PasswordHasher } from '../users/password-hasher';

class UsageError extends Error {}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i !== -1) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    // Interactive: prompt without echoing what is typed.
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const muted = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
    process.stderr.write('Admin password: ');
    muted._writeToOutput = () => undefined;
    const answer = await new Promise<string>((resolve) => rl.question('', resolve));
    rl.close();
    process.stderr.write('\n');
    return answer;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function createAdmin(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is not set');
  const rawEmail = argValue(args, '--email') ?? env.ADMIN_EMAIL;
  if (!rawEmail || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(rawEmail.trim())) throw new UsageError('give a valid email with --email or ADMIN_EMAIL');
  const email = normalizeEmail(rawEmail);
  const name = (argValue(args, '--name') ?? env.ADMIN_NAME ?? 'Administrator').trim().slice(0, 100) || 'Administrator';
  const promote = args.includes('--promote');

  const prisma = new PrismaClient({ adapter: createPrismaPg(databaseUrl) });
  try {
    const existing = await prisma.user.findUnique({ where: { email } });
    if (existing) {
      if (!promote) throw new UsageError(`a user with this email already exists; pass --promote to make it an admin`);
      if (!existing.emailVerifiedAt) throw new UsageError('this account has not verified its email address; it cannot be promoted until it has');
      await prisma.user.update({ where: { id: existing.id }, data: { role: Role.ADMIN, tokenVersion: { increment: 1 } } });
      await prisma.authEvent.create({ data: { userId: existing.id, type: AuthEventType.REGISTERED, metadata: { via: 'admin:create', promoted: true } } });
      return `promoted ${email} (${existing.id}) to ADMIN`;
    }
    const password = env.ADMIN_PASSWORD ?? (await readPasswordFromStdin());
    const problems = adminPasswordProblems(password, email);
    if (problems.length > 0) throw new UsageError(`weak password refused: it ${problems.join('; it ')}`);
    const passwordHash = await new PasswordHasher().hash(password);
    const user = await prisma.user.create({
      data: { email, name, passwordHash, role: Role.ADMIN, emailVerifiedAt: new Date() },
    });
    await prisma.authEvent.create({ data: { userId: user.id, type: AuthEventType.REGISTERED, metadata: { via: 'admin:create' } } });
    return `created ADMIN ${email} (${user.id})`;
  } finally {
    await prisma.$disconnect();
  }
}

if (require.main === module) {
  createAdmin(process.argv.slice(2), process.env)
    .then((message) => {
      process.stdout.write(`${message}\n`);
      process.exit(0);
    })
    .catch((error) => {
      process.stderr.write(`admin:create failed: ${error instanceof UsageError ? error.message : (error as Error).message}\n`);
      process.exit(error instanceof UsageError ? 2 : 1);
    });
}
