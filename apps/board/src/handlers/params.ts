import { z } from 'zod';

/** `:id` of a job, a run or a conflict: any non-empty id; an unknown one is a 404, not a 400. */
export const idParams = z.object({ id: z.string().min(1).max(200) });
