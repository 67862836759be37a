export default async function globalTeardown() {
  // Each project with the infrastructure has this teardown: the first one stops it.
  const infra = globalThis.__chatInfra;
  globalThis.__chatInfra = undefined;
  await infra?.stop();
}
