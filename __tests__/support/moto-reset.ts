import { resetMoto } from '../../scripts/lib/moto';

/**
 * Each test file starts on an empty moto. A worker's server (global-setup.ts) serves every file
 * that worker runs, one after another, and a file's own region is only a convention: two files
 * that picked the same one saw each other's state (report/collect.moto's estate in eu-south-1
 * added a finding to pr-summary's compliance gate there, depending on which worker ran which
 * file first). Reset before the file's own beforeAll hooks seed anything.
 */
beforeAll(async () => {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (endpoint !== undefined) await resetMoto(endpoint);
});
