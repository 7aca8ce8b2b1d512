/** Every bench part, in the order they run (see ../lib/part.ts). */
import type { Part } from '../lib/part';
import { clusterPart } from './cluster';
import { stormPart } from './storm';

export const PARTS: Part[] = [clusterPart, stormPart];
