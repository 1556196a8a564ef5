import { Injectable } from '@nestjs/common';
import type { AssetCode } from '@prisma/client';
import { ASSET_CODES } from '../assets/asset-registry';
import { formatAmount } from '../assets/amounts';
import { decodeCursor, encodeCursor } from '../http/page-query';
import type { BalanceListDto, LedgerPageDto } from './accounts.dto';
import { LedgerRepository } from './ledger.repository';

@Injectable()
export class AccountsService {
  constructor(private readonly ledger: LedgerRepository) {}

  /** One balance per asset, zero where no account exists yet. */
  async balances(userId: string): Promise<BalanceListDto> {
    const held = new Map((await this.ledger.balances(userId)).map((a) => [a.asset, a.balance]));
    return { items: ASSET_CODES.map((asset) => ({ asset, balance: formatAmount(asset, held.get(asset) ?? '0') })) };
  }

  async history(userId: string, asset: AssetCode, query: { limit?: number; cursor?: string }): Promise<LedgerPageDto> {
    const limit = query.limit ?? 50;
    const beforeSeq = query.cursor ? BigInt(decodeCursor(query.cursor, (p) => p.length === 1 && /^[1-9][0-9]{0,18}$/.test(p[0]!))[0]!) : undefined;
    const rows = await this.ledger.history(userId, asset, { limit: limit + 1, beforeSeq });
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        id: r.id,
        type: r.type,
        amount: formatAmount(asset, r.amount),
        balanceAfter: formatAmount(asset, r.balanceAfter),
        depositId: r.depositId,
        withdrawalId: r.withdrawalId,
        investmentId: r.investmentId,
        description: r.description,
        createdAt: r.createdAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? encodeCursor([String(page[page.length - 1]!.seq)]) : null,
    };
  }
}
