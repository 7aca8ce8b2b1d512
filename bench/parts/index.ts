/** Every bench part, in the order they run (see ../lib/part.ts). */
import type { Part } from '../lib/part';
import { catchupPart } from './catchup';
import { httpPart } from './http';
import { logPart } from './log';

export const PARTS: Part[] = [logPart, catchupPart, httpPart];
