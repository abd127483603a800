/**
 * Order numbers SO-YYYY-NNNNNN. A node claims a block of numbers by inserting the block's document
 * (`SO-2025#17`): the insert is atomic on FerretDB and MongoDB, so two nodes never share a block.
 * The counter document only remembers where to look next. Numbers are unique and increase per node;
 * a restart leaves the unused rest of a block as a gap.
 */
import type { Collection } from 'mongodb';
import { KeyedMutex } from './keyed-mutex';
import { isDuplicateKey, type CounterDoc } from './order.model';

const MAX_SEQ = 999_999;

export function formatOrderNumber(year: number, seq: number): string {
  return `SO-${year}-${String(seq).padStart(6, '0')}`;
}

export { ORDER_NUMBER } from '../../workflows/model/order';

export class OrderNumbers {
  private readonly blocks = new Map<number, { next: number; end: number }>();
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly counters: Collection<CounterDoc>,
    private readonly nodeId: string,
    private readonly blockSize = 20,
  ) {}

  async next(year = new Date().getUTCFullYear()): Promise<string> {
    return (await this.take(year, 1))[0];
  }

  /** n numbers for one year (imports take a whole file's numbers at once). */
  take(year: number, n: number): Promise<string[]> {
    return this.mutex.run(String(year), async () => {
      const out: string[] = [];
      while (out.length < n) {
        let block = this.blocks.get(year);
        if (!block || block.next > block.end) {
          block = await this.claimBlock(year, Math.max(this.blockSize, Math.min(n - out.length, 5000)));
          this.blocks.set(year, block);
        }
        while (block.next <= block.end && out.length < n) out.push(formatOrderNumber(year, block.next++));
      }
      return out;
    });
  }

  private async claimBlock(year: number, size: number): Promise<{ next: number; end: number }> {
    const hintId = `SO-${year}`;
    const hint = await this.counters.findOne({ _id: hintId });
    let start = hint?.next ?? 1;
    for (;;) {
      if (start + size - 1 > MAX_SEQ) throw new Error(`order numbers for ${year} are exhausted`);
      try {
        // every claim records where the next block starts, so starts always lie on that chain and
        // blocks of different sizes cannot overlap
        await this.counters.insertOne({ _id: `${hintId}#${start}`, next: start + size, node: this.nodeId, at: new Date() });
        await this.counters.updateOne({ _id: hintId }, { $set: { next: start + size } }, { upsert: true });
        return { next: start, end: start + size - 1 };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const taken = await this.counters.findOne({ _id: `${hintId}#${start}` });
        start = taken?.next ?? start + 1;
      }
    }
  }
}
