import { useTestConnection } from '../helpers/db';

describe('database: the single-document atomicity the runtime relies on', () => {
  const db = useTestConnection('engine_atomic');
  it("measures what FerretDB makes atomic: only inserting a duplicate _id and deleting are (conditional updates are not)", async () => {
    const col = db.connection.db!.collection<{ _id: string; owner: string | null; rev: number }>('probe');
    for (const mode of ['findOneAndUpdate', 'updateOne'] as const) {
      let wins = 0;
      for (let round = 0; round < 20; round++) {
        const id = `${mode}-${round}`;
        await col.insertOne({ _id: id, owner: null, rev: 0 });
        const results = await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            if (mode === 'findOneAndUpdate') return (await col.findOneAndUpdate({ _id: id, owner: null }, { $set: { owner: `w${i}` } }, { returnDocument: 'after' })) !== null;
            return (await col.updateOne({ _id: id, rev: 0 }, { $set: { owner: `w${i}` }, $inc: { rev: 1 } })).modifiedCount === 1;
          }),
        );
        wins += results.filter(Boolean).length;
      }
      // MongoDB serializes these (exactly 20 winners); FerretDB 1.24 on SQLite lets several through
      expect(wins).toBeGreaterThanOrEqual(20);
    }
    let inserts = 0;
    let incs = 0;
    let deletes = 0;
    for (let round = 0; round < 20; round++) {
      const r = await Promise.all(Array.from({ length: 8 }, (_, i) => col.insertOne({ _id: `ins-${round}`, owner: `w${i}`, rev: 0 }).then(() => true, () => false)));
      inserts += r.filter(Boolean).length;
      await Promise.all(Array.from({ length: 8 }, () => col.updateOne({ _id: `ins-${round}` }, { $inc: { rev: 1 } })));
      incs += (await col.findOne({ _id: `ins-${round}` }))!.rev;
      const d = await Promise.all(Array.from({ length: 8 }, () => col.deleteOne({ _id: `ins-${round}` })));
      deletes += d.reduce((a, x) => a + x.deletedCount, 0);
    }
    // what persistence/locks builds on: exactly one insert of an _id wins, exactly one delete deletes
    expect(inserts).toBe(20);
    expect(deletes).toBe(20);
    expect(incs).toBeGreaterThan(0);
  });
});
