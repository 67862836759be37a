export default async function globalTeardown() {
  await globalThis.__chatInfra?.stop();
}
