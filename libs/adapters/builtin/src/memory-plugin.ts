import { defineAdapter, hardDeleteOption, nonEmptyOption } from '@syncframe/adapter-kit';
import { MemoryAdapter } from './memory-adapter.js';

/** A validated memory side's options. */
interface MemoryOptions extends Record<string, unknown> {
  readonly table: string;
  readonly hard_delete: boolean;
}

/**
 * A table held in the process (`"adapter": "memory"`: tests and demos; its data is lost on exit).
 * Every run of a worker builds its side anew, empty.
 */
export const memoryAdapter = defineAdapter<MemoryOptions>(({ z }) => ({
  name: 'memory',
  options: z
    .strictObject({
      table: nonEmptyOption(z).describe('Name of the in-memory table.'),
      hard_delete: hardDeleteOption(z),
    })
    .describe('An in-memory table (tests and demos; its data is lost on exit).'),
  tableOf: (o) => o.table,
  create: (o) => new MemoryAdapter({ table: o.table, deleteMode: o.hard_delete ? 'hard' : 'soft' }),
}));
