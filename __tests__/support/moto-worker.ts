/**
 * Points this test file at its Jest worker's own moto server (started by global-setup.ts, one per
 * worker): MOTO_ENDPOINT and AWS_ENDPOINT_URL become `MOTO_ENDPOINT_<JEST_WORKER_ID>`. Jest gives
 * each test file its own copy of process.env, so this holds for the file and the processes it
 * spawns, and files in other workers keep theirs.
 */
const worker = process.env.JEST_WORKER_ID ?? '1';
const endpoint = process.env[`MOTO_ENDPOINT_${worker}`];
if (endpoint === undefined) {
  throw new Error(
    `no moto server for Jest worker ${worker}: global-setup.ts starts one per worker (maxWorkers)`,
  );
}
process.env.MOTO_ENDPOINT = endpoint;
process.env.AWS_ENDPOINT_URL = endpoint;
