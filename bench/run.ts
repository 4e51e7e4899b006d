import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchDatabase, benchDatabase } from './harness.ts';

/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones) against one PostgreSQL.
 * Each prints its figures and a ratio against a baseline measured in the same run, because absolute
 * times on a shared machine drift while ratios hold. BENCH_SECONDS shortens or lengthens load runs.
 */
const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const files = (await readdir(dir))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const db = await benchDatabase();
let failed = false;
try {
  for (const file of files) {
    console.log(`\n== ${file.replace('.bench.ts', '')} ==`);
    const mod = (await import(path.join(dir, file))) as {
      run(db: BenchDatabase, seconds: number): Promise<void>;
    };
    try {
      await mod.run(db, seconds);
    } catch (error) {
      failed = true;
      console.error(`${file} failed:`, error);
    }
  }
} finally {
  await db.stop();
}
process.exit(failed ? 1 : 0);
