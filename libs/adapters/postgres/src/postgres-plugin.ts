import { defineAdapter } from '@syncframe/adapter-kit';
import { createPostgresTableAdapter } from './postgres-adapter.js';
import { POSTGRES_DEFAULT_THROTTLE, POSTGRES_MAX_BATCH } from './postgres-limits.js';
import { postgresOptionsSchema } from './postgres-side-schema.js';
import type { PostgresSideOptions } from './postgres-options.js';

/**
 * The PostgreSQL-table adapter as a plug-in (`"adapter": "postgres"`): written against the same
 * contract as any third-party adapter, registered by name by the apps that load configs.
 */
export const postgresAdapter = defineAdapter(({ z }) => ({
  name: 'postgres',
  options: postgresOptionsSchema(z),
  defaultThrottle: POSTGRES_DEFAULT_THROTTLE,
  maxBatchSize: POSTGRES_MAX_BATCH,
  // The whole connection string: it usually carries the password.
  secretOptions: ['conn'],
  tableOf: (options) => String(options['table']),
  create: (options, wiring) => createPostgresTableAdapter({ ...(options as unknown as PostgresSideOptions), ...wiring }),
}));
