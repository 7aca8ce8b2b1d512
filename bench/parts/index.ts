/** Every bench part, in the order they run (see ../lib/part.ts). */
import type { Part } from '../lib/part';
import { httpPart } from './http';

export const PARTS: Part[] = [httpPart];
