import { Injectable } from '@nestjs/common';
import { DepositStatus, type AssetCode } from '@prisma/client';
import { ASSET_CODES } from '../assets/asset-registry';
import { ExactDecimal, formatAmount } from '../assets/amounts';
import { PrismaService } from '../database/prisma.service';
import type { DashboardDto } from './admin-dashboard.dto';

type Row = { asset: AssetCode; available: string; held: string; invested: string; earned: string };

/** The admin dashboard's figures, each one a single aggregate query. */
@Injectable()
export class AdminDashboardService {
  constructor(private readonly prisma: PrismaService) {}

  async figures(): Promise<DashboardDto> {
    const [counts, deposits, perAsset] = await Promise.all([
      this.prisma.$queryRaw<{ users: number; verified: number; kyc: number; withdrawals: number; investments: number }[]>`
        SELECT (SELECT count(*)::int FROM "User") AS "users",
               (SELECT count(*)::int FROM "User" WHERE "emailVerifiedAt" IS NOT NULL) AS "verified",
               (SELECT count(*)::int FROM "User" WHERE "kycStatus" = 'PENDING') AS "kyc",
               (SELECT count(*)::int FROM "Withdrawal" WHERE "status" = 'PENDING') AS "withdrawals",
               (SELECT count(*)::int FROM "Investment" WHERE "status" = 'ACTIVE') AS "investments"`,
      this.prisma.deposit.groupBy({ by: ['status'], _count: { _all: true } }),
      this.prisma.$queryRaw<Row[]>`
        SELECT a."asset",
               (SELECT COALESCE(SUM(e."amount"), 0) FROM "LedgerEntry" e JOIN "Account" x ON x."id" = e."accountId" WHERE x."asset" = a."asset")::text AS "available",
               (SELECT COALESCE(SUM(w."amount"), 0) FROM "Withdrawal" w WHERE w."asset" = a."asset" AND w."status" = 'PENDING')::text AS "held",
               (SELECT COALESCE(SUM(i."principal"), 0) FROM "Investment" i WHERE i."asset" = a."asset" AND i."status" = 'ACTIVE')::text AS "invested",
               (SELECT COALESCE(SUM(e."amount"), 0) FROM "LedgerEntry" e JOIN "Account" x ON x."id" = e."accountId"
                 WHERE x."asset" = a."asset" AND e."type" = 'EARNING' AND e."createdAt" >= current_date)::text AS "earned"
          FROM unnest(enum_range(NULL::"AssetCode")) AS a("asset")`,
    ]);
    const c = counts[0]!;
    const byStatus = Object.fromEntries(Object.values(DepositStatus).map((s) => [s, 0])) as Record<DepositStatus, number>;
    for (const d of deposits) byStatus[d.status] = d._count._all;
    const rows = new Map(perAsset.map((r) => [r.asset, r]));
    return {
      users: c.users,
      verifiedUsers: c.verified,
      kycPending: c.kyc,
      depositsByStatus: byStatus,
      withdrawalsPending: c.withdrawals,
      activeInvestments: c.investments,
      assets: ASSET_CODES.map((asset) => {
        const r = rows.get(asset)!;
        const f = (v: string) => formatAmount(asset, v);
        const total = formatAmount(asset, new ExactDecimal(r.available).add(r.held).add(r.invested));
        return { asset, available: f(r.available), heldForWithdrawals: f(r.held), invested: f(r.invested), underManagement: total, earningsPaidToday: f(r.earned) };
      }),
    };
  }
}
