-- Counters of rate-limiter-flexible's PostgreSQL store (src/rate-limit/rate-limit.service.ts):
-- the columns the library reads and writes (key, points, expire in epoch ms). Created here,
-- never by the library at runtime (the app runs with tableCreated: true).
CREATE TABLE "RateLimit" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "RateLimit_pkey" PRIMARY KEY ("key")
);
