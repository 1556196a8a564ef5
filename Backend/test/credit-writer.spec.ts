import { CreditWriter } from '../src/deposits/credit-writer';
import type { CreditVerdict } from '../src/deposits/deposits.repository';

/**
 * The deposit monitor's group commit, with a write function standing in for the database:
 * which verdicts get written, in which transactions, whatever order batches form in (on a
 * loaded machine verdicts arrive while a write is under way, so they form several batches).
 */
const verdict = (id: string): CreditVerdict => ({ id, receivedAmount: '1', confirmations: 12, result: 'CONFIRMED 12/12' });
const tick = () => new Promise((resolve) => setImmediate(resolve));

function database(refuse: (ids: string[]) => Error | undefined) {
  const committed: string[][] = [];
  return {
    committed,
    write: async (batch: CreditVerdict[]) => {
      await tick();
      const ids = batch.map((v) => v.id);
      const error = refuse(ids);
      if (error) throw error;
      committed.push(ids);
    },
  };
}

describe('CreditWriter', () => {
  it('groups the verdicts handed over during a write into the next transaction, up to maxBatch', async () => {
    const db = database(() => undefined);
    const writer = new CreditWriter(db.write, 3);
    const adds = ['a', 'b', 'c', 'd', 'e'].map((id) => writer.add(verdict(id)));
    await Promise.all(adds);
    await writer.flush();
    // the first verdict is written at once; what arrives meanwhile waits for the next transaction
    expect(db.committed).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('a refused verdict holds back no other, in its batch or in any later one; flush reports it', async () => {
    const refused = new Error('refused by a constraint');
    const db = database((ids) => (ids.includes('b') ? refused : undefined));
    const writer = new CreditWriter(db.write, 10);
    await writer.add(verdict('a'));
    await writer.add(verdict('b'));
    await tick(); // the first batch [a, b] is being written: these form later batches
    await writer.add(verdict('c'));
    await tick();
    await tick();
    await writer.add(verdict('d'));
    await expect(writer.flush()).rejects.toBe(refused);
    expect(db.committed.flat().sort()).toEqual(['a', 'c', 'd']);
    expect(db.committed.some((batch) => batch.length > 1 && batch.includes('b'))).toBe(false);
  });

  it('a batch that fails once but whose verdicts each succeed alone reports nothing', async () => {
    let failures = 1;
    const db = database((ids) => (ids.length > 1 && failures-- > 0 ? new Error('deadlock detected') : undefined));
    const writer = new CreditWriter(db.write, 10);
    await Promise.all(['a', 'b', 'c'].map((id) => writer.add(verdict(id))));
    await writer.flush();
    expect(db.committed).toEqual([['a'], ['b'], ['c']]);
  });

  it('an unreachable database stops the writer: nothing more is attempted and add refuses', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    let attempts = 0;
    const db = database(() => (attempts++, down));
    const writer = new CreditWriter(db.write, 10);
    await Promise.all(['a', 'b', 'c'].map((id) => writer.add(verdict(id))));
    await expect(writer.flush()).rejects.toBe(down);
    expect(attempts).toBe(1); // no per-verdict retries against a database that is down
    await expect(writer.add(verdict('d'))).rejects.toBe(down);
    expect(db.committed).toEqual([]);
  });
});
