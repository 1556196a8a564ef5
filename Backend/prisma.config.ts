import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { createMigrationAdapterFactory } from './src/database/pg-adapter';

// Migrations run through the WebAssembly schema engine over the pg driver adapter:
// no native engine is downloaded or needed (see ../shared/TOOLCHAIN.md).
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'prisma', 'migrations') },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set: the Prisma CLI needs it to reach PostgreSQL');
    return createMigrationAdapterFactory(url);
  },
});
