import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { scrubChildEnv } from "./child-env.ts";

const DROPPED = [
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "HEARTH_API_KEY",
  "MISTRAL_API_KEY",
  "DEEPSEEK_APIKEY",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "HF_TOKEN",
  "NPM_TOKEN",
  "CI_JOB_TOKEN",
  "GITHUB_TOKEN_FOR_CI",
  "SLACK_BOT_TOKENS",
  "JWT_SECRET",
  "CLIENT_SECRET_VALUE",
  "STRIPE_SECRET_KEY",
  "SIGNING_KEY",
  "SSH_PRIVATE_KEY",
  "PGPASSWORD",
  "DB_PASSWORD",
  "MYSQL_ROOT_PASSWORD_FILE",
  "PASSWORD",
  "SMTP_PASSWD",
  "GPG_PASSPHRASE",
  "NPM_CONFIG__AUTH",
  "SESSION_COOKIE",
  "GH_PAT",
  "DOCKER_CREDENTIALS",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_ID",
  "ARM_CLIENT_SECRET",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GOOGLE_CLOUD_KEYFILE_JSON",
  "GCP_SERVICE_ACCOUNT",
  "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE",
  "DIGITALOCEAN_ACCESS_TOKEN",
  "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
  "github_token",
];

const KEPT = [
  "PATH",
  "HOME",
  "USER",
  "SHELL",
  "TERM",
  "LANG",
  "TMPDIR",
  "SSH_AUTH_SOCK",
  "XAUTHORITY",
  "GIT_ASKPASS",
  "EDITOR",
  "TOKENIZERS_PARALLELISM",
  "KEYTIMEOUT",
  "MONKEY",
  "MANPATH",
  "NODE_OPTIONS",
  "GOOGLE_CLOUD_PROJECT",
  "XDG_RUNTIME_DIR",
  "HISTFILE",
];

const envOf = (names: string[]) => Object.fromEntries(names.map((name) => [name, `value of ${name}`]));

describe("scrubChildEnv", () => {
  it(`drops ${DROPPED.length} names that look like credentials`, () => {
    const out = scrubChildEnv(envOf(DROPPED));
    assert.deepEqual(Object.keys(out), []);
  });

  it(`keeps ${KEPT.length} ordinary names`, () => {
    assert.deepEqual(scrubChildEnv(envOf(KEPT)), envOf(KEPT));
  });

  it("drops URLs with a password in them, whatever the name", () => {
    const out = scrubChildEnv({
      DATABASE_URL: "postgres://app:hunter2@db.internal:5432/app",
      REDIS_URL: "redis://:hunter2@localhost:6379",
      HTTPS_PROXY: "http://me:pw@proxy:3128",
      HTTP_PROXY: "http://proxy:3128",
      HOMEPAGE: "https://example.com/a:b@c",
      PLAIN: "user:pass@host",
    });
    assert.deepEqual(out, {
      HTTP_PROXY: "http://proxy:3128",
      HOMEPAGE: "https://example.com/a:b@c",
      PLAIN: "user:pass@host",
    });
  });

  it("drops credential-shaped values under harmless names, unless the name is allowed", () => {
    const random = "Q7kP2xZ9mB4nL8vR3tY6wC1sD5fG0hJ";
    const env = {
      NOTES: `sk-ant-api03-${random}${random}`,
      CI_VALUE: `AKIA${"IOSFODNN7EXAMPLE"}`,
      GH: `ghp_${random}abcde`,
      LAB: `glpat-${random}`,
      CHAT: `xoxb-123456789012-${random}`,
      MAPS: `AIza${random}abcd`,
      FINE: `github_pat_${random}${random}`,
      DEPLOY: `-----BEGIN OPENSSH PRIVATE KEY-----\n${random}\n-----END OPENSSH PRIVATE KEY-----`,
      SESSION_INFO: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.${random}`,
      HEADER: `Authorization: Bearer ${random}`,
      PATH: "/usr/bin:/bin",
      TERM: "xterm-256color",
      LOOSE: random,
    };
    assert.deepEqual(scrubChildEnv(env), { PATH: "/usr/bin:/bin", TERM: "xterm-256color", LOOSE: random });
    assert.deepEqual(Object.keys(scrubChildEnv(env, [], ["NOTES", "DEPLOY"])), [
      "NOTES",
      "DEPLOY",
      "PATH",
      "TERM",
      "LOOSE",
    ]);
  });

  it("drops extra secret names, such as the configured provider's key variable", () => {
    const out = scrubChildEnv({ MY_LLM: "k", OTHER: "v" }, ["MY_LLM"]);
    assert.deepEqual(out, { OTHER: "v" });
  });

  it("lets allow-listed names through even when they look secret", () => {
    const env = { AWS_PROFILE: "dev", GITHUB_TOKEN: "t", MY_LLM: "k", DB_PASSWORD: "p", PATH: "/bin" };
    const out = scrubChildEnv(env, ["MY_LLM"], ["AWS_PROFILE", "MY_LLM", "NOT_SET"]);
    assert.deepEqual(out, { AWS_PROFILE: "dev", MY_LLM: "k", PATH: "/bin" });
  });

  it("skips undefined values", () => {
    assert.deepEqual(scrubChildEnv({ A: undefined, B: "b" }), { B: "b" });
  });

  it("is what a child process sees", () => {
    const env = scrubChildEnv({
      PATH: process.env.PATH,
      SENTINEL_TOKEN: "secret-1",
      INNOCENT: `secret-4 sk-proj-${"Q7kP2xZ9mB4nL8vR3tY6w"}`,
      PGPASSWORD: "secret-2",
      AWS_SECRET_ACCESS_KEY: "secret-3",
      VISIBLE: "yes",
    });
    const child = spawnSync("sh", ["-c", "env"], { env, encoding: "utf8" });
    assert.match(child.stdout, /^VISIBLE=yes$/m);
    assert.doesNotMatch(child.stdout, /secret-/);
  });
});
