/**
 * How far a replica has applied the leader's changes: a WAL position W such that every leader transaction
 * committed at or below W is visible there. The replicator owns that answer (it earns W from Connect's
 * committed source offset and Kafka's high watermarks); the read API asks only through this module.
 */
export { appliedThrough } from '../replicator/watermark.ts';
