/** Every bench part, in the order they run (see ../lib/part.ts). */
import type { Part } from '../lib/part';
import { catchupPart } from './catchup';
import { clusterPart } from './cluster';
import { httpPart } from './http';
import { logPart } from './log';
import { stormPart } from './storm';

export const PARTS: Part[] = [logPart, catchupPart, httpPart, clusterPart, stormPart];
