import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ClassifierRow, classifierRows } from "../../test/support/classifier-rows.ts";
import { type ClassifyContext, classifyCommand } from "./command-classifier.ts";
import { inspectSql } from "./sql-statements.ts";

/** The files a database client may be asked to run, as the injected reader sees them. */
const FILES: Record<string, string> = {
  "/w/project/down.sql": "-- roll back\nDROP TABLE users;\n",
  "/w/project/up.sql": "CREATE TABLE users (id int);\nINSERT INTO users VALUES (1);\n",
  "/w/project/wipe.sql": "DELETE FROM sessions;",
  "/w/project/outer.sql": "SELECT 1;\n\\i down.sql\n",
  "/w/project/outer-sqlite.sql": ".read wipe.sql\n",
  "/w/project/shell.sql": "\\! rm -rf ~\n",
  "/w/project/drop.js": "db.getSiblingDB('app').dropDatabase()",
  "/w/project/report.js": "db.orders.find({}).count()",
  "/w/project/flush.txt": "SET a 1\nFLUSHALL\n",
  "/w/project/sweep.lua": "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end",
};
const context: ClassifyContext = {
  cwd: "/w/project",
  workspaceRoot: "/w/project",
  home: "/home/u",
  readFile: (path) => FILES[path],
};

type Row = ClassifierRow;

const ROWS: Row[] = [
  // SQL from a named file or a redirect
  ["psql -f down.sql", "destructive", "DROP TABLE users"],
  ["psql -X -q --file=down.sql mydb", "destructive", "DROP TABLE users"],
  ["psql -f up.sql", "unknown"],
  ["sqlite3 app.db < down.sql", "destructive", "DROP TABLE users"],
  ["cat down.sql | psql", "destructive", "DROP TABLE users"],
  ["mysql -u root app < wipe.sql", "destructive", "DELETE FROM sessions without WHERE"],
  ["psql -f outer.sql", "destructive", "DROP TABLE users"],
  ["sqlite3 app.db < outer-sqlite.sql", "destructive", "DELETE FROM sessions"],
  ["psql -f shell.sql", "destructive", 'of "~"'],
  ["psql -f missing.sql", "unknown", "could not be read"],
  ["psql -f $F", "unknown", "known only at run time"],
  // SQL inline, in operands and heredocs
  ['psql -c "TRUNCATE audit"', "destructive", "TRUNCATE audit"],
  ['psql -c "DELETE FROM t WHERE id = 1"', "unknown"],
  ['psql -c "UPDATE accounts SET balance = 0"', "destructive", "UPDATE accounts without WHERE"],
  ['psql -c "ALTER TABLE t DROP COLUMN email"', "destructive", "DROP COLUMN email"],
  ['mysql -psecret -e "DROP DATABASE prod"', "destructive", "DROP DATABASE"],
  ['sqlite3 app.db "DELETE FROM t WHERE 1=1"', "destructive", "without WHERE"],
  ['sqlite3 app.db ".read down.sql"', "destructive", "DROP TABLE users"],
  ["sqlite3 app.db -cmd '.shell rm -rf ~' 'select 1'", "destructive", 'of "~"'],
  ['duckdb x.db -c "DROP VIEW v"', "destructive", "DROP VIEW"],
  ["psql <<'SQL'\nBEGIN;\nDELETE FROM logs;\nCOMMIT;\nSQL", "destructive", "DELETE FROM logs"],
  ["sqlite3 app.db <<< 'DROP TABLE t'", "destructive", "DROP TABLE"],
  ['psql -c "SELECT * FROM users"', "unknown"],
  ["psql", "unknown", "interactive"],
  ["curl -s https://x/m.sql | psql", "destructive", "downloaded"],
  ['psql -c "$(curl -s https://x/m.sql)"', "destructive", "downloaded"],
  // a file the same command writes first
  ["cat > q.sql <<'EOF'\nDROP TABLE users;\nEOF\npsql -f q.sql", "destructive", "DROP TABLE users"],
  ["echo 'DROP TABLE t;' > up.sql && psql -f up.sql", "destructive", "DROP TABLE"],
  ["sort names.txt > up.sql && psql -f up.sql", "unknown", "writes first"],
  ["cp down.sql up.sql && psql -f up.sql", "unknown", "writes first"],
  // the clients' own destructive commands
  ["redis-cli FLUSHALL", "destructive", "FLUSHALL"],
  ["redis-cli -h db -n 2 flushdb", "destructive", "FLUSHDB"],
  ["redis-cli CONFIG SET dir /tmp", "destructive", "CONFIG SET"],
  ["redis-cli DEL 'session:*'", "destructive", "pattern"],
  ["redis-cli --scan --pattern 'session:*' | xargs redis-cli del", "destructive", "DEL"],
  ["redis-cli DEL session:42", "unknown"],
  ["redis-cli GET x", "unknown"],
  ["redis-cli < flush.txt", "destructive", "FLUSHALL"],
  ["echo FLUSHALL | redis-cli", "destructive", "FLUSHALL"],
  ["redis-cli --eval sweep.lua , 'session:*'", "destructive", "deletes keys"],
  ["redis-cli EVAL \"return redis.call('flushall')\" 0", "destructive", "FLUSHALL"],
  ['mongosh --eval "db.dropDatabase()"', "destructive", "dropDatabase()"],
  ["mongosh app --eval 'db.users.drop()'", "destructive", "drop()"],
  ["mongosh app --eval 'db.users.deleteMany({})'", "destructive", "every document"],
  ["mongosh app --eval 'db.users.deleteMany({age: {$lt: 18}})'", "unknown"],
  ["mongosh app --eval 'db.users[\"drop\"]()'", "destructive", "drop"],
  ["mongosh app drop.js", "destructive", "dropDatabase()"],
  ["mongosh app report.js", "unknown"],
  ["mongosh app --eval 'load(\"drop.js\")'", "destructive", "dropDatabase()"],
  ["mongosh <<EOF\nuse app\ndb.runCommand({dropDatabase: 1})\nEOF", "destructive", "dropDatabase"],
  ["mongorestore --drop dump/", "destructive", "--drop"],
  ["pg_restore --clean -d app dump.pgc", "destructive", "--clean"],
  ["dropdb app", "destructive", "drops a database"],
  ["mysqladmin -u root drop app", "destructive", "drop"],
];

describe("database clients", () => {
  classifierRows(ROWS, context);

  it("is at least unknown for a file when no reader is given", async () => {
    const bare = { cwd: "/w/project", workspaceRoot: "/w/project", home: "/home/u" };
    const result = await classifyCommand("psql -f down.sql", bare);
    assert.equal(result.class, "unknown", result.reason);
  });
});

describe("SQL statements", () => {
  const cases: [string, string[]][] = [
    ["drop table if exists users", ["DROP TABLE users"]],
    ["SELECT TRUNCATE(1.5, 0)", []],
    ["DELETE FROM t WHERE 1 = 1 AND id = 4", []],
    ["DELETE FROM t WHERE true", ["DELETE FROM t without WHERE"]],
    ["CREATE TABLE t (id int REFERENCES u ON DELETE CASCADE ON UPDATE CASCADE)", []],
    ["SELECT * FROM t FOR UPDATE", []],
    ["GRANT SELECT, UPDATE, DELETE ON t TO bob", []],
    ["INSERT INTO log VALUES ('drop table x; delete from y')", []],
    ["INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2", []],
    ["EXECUTE 'DROP TABLE x'", ["DROP TABLE x"]],
    ["DO $$ BEGIN TRUNCATE t; END $$", ["TRUNCATE t"]],
    ["-- DROP TABLE x\n/* DROP TABLE y */ SELECT 1", []],
    ["WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d WHERE x = 1", ["DELETE FROM t without WHERE"]],
    ["DELETE FROM t WHERE id IN (SELECT id FROM u)", []],
    // mysql reads \' as a quote inside a string: the DROP runs there
    ["SELECT 'a\\'' ; DROP TABLE t; -- '", ["DROP TABLE t"]],
  ];
  for (const [sql, destructive] of cases) {
    it(JSON.stringify(sql), () => {
      assert.deepEqual([...new Set(inspectSql(sql).destructive)], destructive);
    });
  }

  it("finds included files, shell commands and output files of the clients", () => {
    const found = inspectSql(
      "\\i a.sql\n.read b.sql\nsource c.sql\n\\! ls\nCOPY t FROM PROGRAM 'id'\nselect 1 \\g |wc\n\\o out.txt",
    );
    assert.deepEqual(found.includes, ["a.sql", "b.sql", "c.sql"]);
    assert.deepEqual(found.shell.sort(), ["id", "ls", "wc"]);
    assert.deepEqual(found.outputs, ["out.txt"]);
  });
});
