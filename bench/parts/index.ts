/** Every bench part, in the order they run (see ../lib/part.ts). */
import type { Part } from '../lib/part';
import { clusterPart } from './cluster';

export const PARTS: Part[] = [clusterPart];
