/** Printed PDFs in the GridFS bucket `printFiles` (works on FerretDB 1.24 and MongoDB alike). */
import mongoose, { Types, type Connection } from 'mongoose';
import type { Readable } from 'node:stream';

export class PdfStore {
  private readonly bucket: mongoose.mongo.GridFSBucket;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('PdfStore needs a connected database');
    this.bucket = new mongoose.mongo.GridFSBucket(connection.db, { bucketName: 'printFiles' });
  }

  async put(filename: string, pdf: Buffer, metadata: Record<string, unknown>): Promise<Types.ObjectId> {
    const upload = this.bucket.openUploadStream(filename, { metadata: { ...metadata, contentType: 'application/pdf' } });
    await new Promise<void>((resolve, reject) => {
      upload.once('finish', () => resolve());
      upload.once('error', reject);
      upload.end(pdf);
    });
    return upload.id as Types.ObjectId;
  }

  async remove(id: Types.ObjectId): Promise<void> {
    await this.bucket.delete(id);
  }

  open(id: Types.ObjectId): Readable {
    return this.bucket.openDownloadStream(id);
  }

  async read(id: Types.ObjectId): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of this.open(id)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
}
