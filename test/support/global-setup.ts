// Run once by `node --test --test-global-setup=…` before any test file: the PostgreSQL server every test
// creates its database on (an embedded one, unless AMPARO_TEST_DATABASE_URL names a server) and the migrated
// template. Test files run in child processes, which inherit the server's address through the environment.
import {
  ensureTemplate,
  startTestServer,
  TEST_DATABASE_URL_VARIABLE,
  type TestServer,
} from './test-database.ts';

let server: TestServer | undefined;

export async function globalSetup(): Promise<void> {
  if (!process.env[TEST_DATABASE_URL_VARIABLE]) {
    server = await startTestServer();
    process.env[TEST_DATABASE_URL_VARIABLE] = server.url;
  }
  await ensureTemplate(process.env[TEST_DATABASE_URL_VARIABLE]);
}

export async function globalTeardown(): Promise<void> {
  await server?.stop();
}
