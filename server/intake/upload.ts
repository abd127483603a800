/** Reads a file sent as the raw request body (not JSON), bounded. */
import type { Request } from 'express';
import { PayloadTooLargeError, ValidationError } from '../../workflows/model/errors';

export async function readUpload(req: Request, limitBytes: number): Promise<Buffer> {
  if (req.readableEnded || (req as unknown as { _body?: boolean })._body) {
    throw new ValidationError('Send the file itself as the request body (Content-Type text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)', [{ path: '(body)', message: 'expected a file, not JSON' }]);
  }
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > limitBytes) throw new PayloadTooLargeError(`The file is larger than ${Math.round(limitBytes / 1024 / 1024)} MB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      req.destroy();
      throw new PayloadTooLargeError(`The file is larger than ${Math.round(limitBytes / 1024 / 1024)} MB`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
