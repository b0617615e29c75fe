/**
 * The container's entry (`node dist/main.js`): configuration, telemetry, database, migrations,
 * then the server. SIGTERM (what ECS sends on stop) or SIGINT: stop accepting, let in-flight
 * requests finish within PORTAL_SHUTDOWN_TIMEOUT_MS, close the pool, flush traces and metrics,
 * exit 0 (1 when requests had to be cut off). A bad setting: one line on stderr and exit 2.
 */
import { run } from './process';

void run();
