import type { z } from 'zod';
import type { restOperationSchema } from './rest.schema';

export type RestOperationInput = z.input<typeof restOperationSchema> & {
  inputs: NonNullable<z.input<typeof restOperationSchema>['inputs']>;
  query: NonNullable<z.input<typeof restOperationSchema>['query']>;
  headers: NonNullable<z.input<typeof restOperationSchema>['headers']>;
};
