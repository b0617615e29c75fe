/**
 * The image's HEALTHCHECK (`node dist/healthcheck.js`): GET /healthz on this container's PORT,
 * exit 0 on 200, 1 otherwise. Node itself does the request, so the runtime image needs no curl
 * or wget (fewer packages for Inspector to find CVEs in).
 */
const port = process.env.PORT ?? '8080';

fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })
  .then((res) => {
    process.exitCode = res.status === 200 ? 0 : 1;
  })
  .catch(() => {
    process.exitCode = 1;
  });
