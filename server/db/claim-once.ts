/**
 * "Exactly one caller wins" on FerretDB 1.24 and MongoDB alike. On FerretDB a filtered
 * updateOne/findOneAndUpdate is not isolated (20 concurrent `{_id, status: 'open'}` updates gave up
 * to 7 winners here), but a duplicate _id insert always fails, so winning = inserting a marker.
 */
import type { Connection } from 'mongoose';

export async function claimOnce(connection: Connection, key: string, meta: Record<string, unknown> = {}): Promise<boolean> {
  try {
    await connection.db!.collection<{ _id: string; at: Date }>('claims').insertOne({ _id: key, at: new Date(), ...meta });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return false;
    throw err;
  }
}
