import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRedactor, looksRandom, secretShaped } from "./redact.ts";

/**
 * A deterministic random-looking key body of `n` characters from `alphabet` (capitals, small letters and digits
 * by default). Fake keys are built at run time so no secret scanner mistakes this file for a leak.
 */
function body(
  n: number,
  seed = 1,
  alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
): string {
  let state = seed * 2654435761;
  let out = "";
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet[Math.floor((state / 2147483648) * alphabet.length)];
  }
  // Every class present, as in a real key.
  return `${out.slice(0, n - 3)}Q7k`;
}
const k = (prefix: string, n: number, seed = 1): string => prefix + body(n, seed);
const BEGIN = (label: string) => `-----BEGIN ${label}PRIVATE KEY-----`;
const END = (label: string) => `-----END ${label}PRIVATE KEY-----`;
const JWT = `eyJhbGciOiJIUzI1NiJ9.${body(40, 7)}.${body(43, 8)}`;
const SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8";
const UUID = "550e8400-e29b-41d4-a716-446655440000";

/** [what, input, expected]: a secret shape the redactor removes. */
const POSITIVES: [string, string, string][] = [
  ["Anthropic key in prose", `key ${k("sk-ant-api03-", 93)} here`, "key sk-ant-…[REDACTED] here"],
  ["Anthropic admin key", k("sk-ant-admin01-", 80), "sk-ant-…[REDACTED]"],
  ["OpenAI legacy key", `use ${k("sk-", 48)}.`, "use sk-…[REDACTED]."],
  ["OpenAI project key", `"${k("sk-proj-", 120)}"`, '"sk-proj-…[REDACTED]"'],
  ["OpenAI service account key", k("sk-svcacct-", 100), "sk-svcacct-…[REDACTED]"],
  ["Google API key", `?key=${k("AIza", 35)}&alt=json`, "?key=AIza…[REDACTED]&alt=json"],
  ["Groq key", `(${k("gsk_", 52)})`, "(gsk_…[REDACTED])"],
  ["xAI key", `XAI: ${k("xai-", 80)}`, "XAI: xai-…[REDACTED]"],
  [
    "GitHub classic token",
    `git clone https://${k("ghp_", 36)}@github.com/o/r`,
    "git clone https://ghp_…[REDACTED]@github.com/o/r",
  ],
  [
    "GitHub OAuth and app tokens",
    `${k("gho_", 36, 2)} ${k("ghs_", 36, 3)}`,
    "gho_…[REDACTED] ghs_…[REDACTED]",
  ],
  ["GitHub fine-grained token", k("github_pat_", 82), "github_pat_…[REDACTED]"],
  ["GitLab token", `token ${k("glpat-", 20)}`, "token glpat-…[REDACTED]"],
  ["Slack bot token", `xoxb-123456789012-1234567890123-${body(24)}`, "xoxb-…[REDACTED]"],
  ["AWS access key id", `id=AKIA${"IOSFODNN7EXAMPLE"}`, "id=AKIA…[REDACTED]"],
  ["AWS temporary key id", `ASIA${"Q3EXAMPLE7Z2K4WP"} rest`, "ASIA…[REDACTED] rest"],
  [
    "Stripe live keys",
    `${k("sk_live_", 24)}, ${k("rk_live_", 24, 5)}`,
    "sk_live_…[REDACTED], rk_live_…[REDACTED]",
  ],
  [
    "Hugging Face token",
    `HF ${"hf_" + body(34, 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}`,
    "HF hf_…[REDACTED]",
  ],
  [
    "npm token",
    `//registry.npmjs.org/:_authToken=${k("npm_", 36)}`,
    "//registry.npmjs.org/:_authToken=npm_…[REDACTED]",
  ],
  ["Authorization header line", `Authorization: Bearer ${body(32)}`, "Authorization: Bearer [REDACTED]"],
  [
    "authorization in JSON keeps the scheme",
    `{"authorization":"Bearer ${JWT}"}`,
    '{"authorization":"Bearer [REDACTED]"}',
  ],
  ["Basic credentials", "Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED]"],
  [
    "Proxy-Authorization of any shape",
    "Proxy-Authorization: local-dev-key",
    "Proxy-Authorization: [REDACTED]",
  ],
  [
    "token scheme with a provider key keeps the prefix",
    `Authorization: token ${k("ghp_", 36)}`,
    "Authorization: token ghp_…[REDACTED]",
  ],
  ["Bearer in a log line", "sent Bearer abc123def456ghi to upstream", "sent Bearer [REDACTED] to upstream"],
  ["Bearer JWT in curl", `curl -H "Bearer ${JWT}" x`, 'curl -H "Bearer [REDACTED]" x'],
  ["x-api-key header line", "x-api-key: local-4f9a2c0b", "x-api-key: [REDACTED]"],
  ["Azure api-key header", "api-key: 0123456789abcdef0123456789abcdef", "api-key: [REDACTED]"],
  [
    "x-api-key in JSON keeps a provider prefix",
    `{"x-api-key": "${k("sk-ant-api03-", 93)}"}`,
    '{"x-api-key": "sk-ant-…[REDACTED]"}',
  ],
  [
    "PEM RSA private key block, whole",
    `before\n${BEGIN("RSA ")}\nMIIEowIBAAKCAQEA${body(64)}\n${body(64, 2)}==\n${END("RSA ")}\nafter`,
    "before\n[REDACTED PRIVATE KEY]\nafter",
  ],
  [
    "PEM block inside a JSON string",
    `{"out":"${BEGIN("OPENSSH ")}\\nb3BlbnNzaC1rZXktdjEAAAAA${body(40)}\\n${END("OPENSSH ")}\\n","x":1}`,
    '{"out":"[REDACTED PRIVATE KEY]\\n","x":1}',
  ],
  [
    "encrypted PKCS#8 block",
    `${BEGIN("ENCRYPTED ")}\n${body(64)}\n${END("ENCRYPTED ")}`,
    "[REDACTED PRIVATE KEY]",
  ],
  [
    "truncated PEM block",
    `$ head -3 id_rsa\n${BEGIN("")}\n${body(64)}\n${body(64, 3)}`,
    "$ head -3 id_rsa\n[REDACTED PRIVATE KEY]",
  ],
  [
    "truncated PEM block followed by prose",
    `${BEGIN("EC ")}\n${body(64)}\n${body(64, 3)}+/=\nThe file was cut here.`,
    "[REDACTED PRIVATE KEY]\nThe file was cut here.",
  ],
  [
    "URL with a password keeps user and host",
    "postgres://admin:s3cr3t@db.example.com:5432/app",
    "postgres://admin:[REDACTED]@db.example.com:5432/app",
  ],
  ["URL password with an unencoded @", '"https://bob:pa55@w0rd@host/x"', '"https://bob:[REDACTED]@host/x"'],
  ["URL password with no user", "redis://:hunter2@localhost:6379", "redis://:[REDACTED]@localhost:6379"],
  [
    "password= in a query string",
    "/login?user=bob&password=hunter2&next=/",
    "/login?user=bob&password=[REDACTED]&next=/",
  ],
  ["access_token in a query string", "?access_token=ya29.a0AfH6SM&x=1", "?access_token=[REDACTED]&x=1"],
  [
    "JSON password, spaces and all",
    '{"password": "correct horse battery staple"}',
    '{"password": "[REDACTED]"}',
  ],
  [
    "JSON-in-JSON password",
    '{"out":"{\\"password\\":\\"hunter2\\"}"}',
    '{"out":"{\\"password\\":\\"[REDACTED]\\"}"}',
  ],
  ["an env line that ends in more than the key", `OPENAI=${k("sk-", 48)}.`, "OPENAI=[REDACTED]"],
  ["YAML passwd", "db:\n  passwd: s3cr3t!\n  host: x", "db:\n  passwd: [REDACTED]\n  host: x"],
  ["ini client_secret", "client_secret=9f8e7d6c5b4a", "client_secret=[REDACTED]"],
  ["TOML token", 'token = "abc"', 'token = "[REDACTED]"'],
  ["kwarg password", 'connect(password="hunter2")', 'connect(password="[REDACTED]")'],
  ["YAML single-quoted secret with an apostrophe", "secret: 'it''s mine'", "secret: '[REDACTED]'"],
  [
    "aws_secret_access_key in credentials file",
    `aws_secret_access_key = ${body(40)}`,
    "aws_secret_access_key = [REDACTED]",
  ],
  ["api_key in .env", "API_KEY=abc", "API_KEY=[REDACTED]"],
  [
    "secret-named .env line keeps a word password out",
    "DB_PASSWORD=postgres\nDB_HOST=db",
    "DB_PASSWORD=[REDACTED]\nDB_HOST=db",
  ],
  ["secret-named .env line with a comment", "GH_TOKEN=abc def # ci", "GH_TOKEN=[REDACTED] # ci"],
  ["camelCase secret name in .env", "sessionToken=abcdef", "sessionToken=[REDACTED]"],
  [
    "base64 blob in a KEY= line",
    "SESSION_BLOB=SGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q=",
    "SESSION_BLOB=[REDACTED]",
  ],
  ["random value in an export line", `export SIGNING=${body(40, 9)}`, "export SIGNING=[REDACTED]"],
  ["JWT in a quoted .env value", `ID_JWT="${JWT}"`, 'ID_JWT="[REDACTED]"'],
  ["random path segment", `BLOB=/${body(30, 4)}/x`, "BLOB=[REDACTED]"],
  [
    ".env lines inside a JSON string",
    '{"output":"PORT=3000\\nSTRIPE_KEY=abc123\\n"}',
    '{"output":"PORT=3000\\nSTRIPE_KEY=[REDACTED]\\n"}',
  ],
];

/** Text that must come out unchanged: look-alikes, ordinary prose, code and config. */
const NEGATIVES: [string, string][] = [
  ["sk- inside words", "a risk-free, whisk-based, disk-usage plan"],
  ["sk-ant look-alike", "task-ant-x and flask-ant-colony"],
  ["sk- followed by prose words", "sk-learn and sk-some-long-hyphenated-words-in-prose"],
  ["model names", "claude-sonnet-4-5, claude-sonnet-4-5-20250929, gpt-4o-mini, gemini-2.5-pro"],
  ["the word password in prose", "Enter your password at the prompt; the password is never stored."],
  ["Password: followed by prose words", "Password: see the keys command"],
  ["Bearer alone", "Bearer"],
  ["Bearer as a word", "Bearer tokens expire after an hour; use a bearer token."],
  ["a file path", "/srv/app/src/secrets/redact.ts:42:7"],
  ["a Windows path", "C:\\Users\\Alice\\AppData\\Local\\hearth\\config.json"],
  ["a git SHA alone on a line", `abc\n${SHA}\ndef`],
  ["a git SHA in prose", `commit ${SHA} fixed it`],
  ["a UUID", UUID],
  ["a UUID in a KEY= line", `REQUEST_ID=${UUID}`],
  ["a git SHA in a KEY= line", `GIT_COMMIT=${SHA}`],
  ["a URL without credentials", "https://api.anthropic.com/v1/messages?beta=true#top"],
  ["an ssh remote", "git@github.com:owner/repo.git"],
  [
    "JSON without secrets",
    '{"model":"claude-sonnet-4-5","max_tokens":4096,"usage":{"input_tokens":12,"output_tokens":34}}',
  ],
  ["token counts", "max_tokens=4096 total_tokens: 12 token_count: 5"],
  ["TypeScript types", "password: string;\ntoken?: string;\nreadonly secret: Uint8Array;"],
  ["code using a secret by name", "const token = await getToken();\nif (password === expected) return;"],
  ["object shorthand and identifiers", "{ apiKey: key, ANTHROPIC_API_KEY: envKey, token: this.token }"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: code that builds a header from a template, on purpose
  ["template header", "headers: { Authorization: `Bearer ${apiKey}` }"],
  ["code reading env", "const apiKey = process.env.OPENAI_API_KEY ?? env[keyName];"],
  [
    "references in config",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference to an env var, on purpose
    "DB_PASSWORD=${DB_PASSWORD}\nTOKEN=$(cat token.txt)\npassword: {{ vault_password }}",
  ],
  ["placeholders", "token: <your token here>\napi_key=***\npassword: ..."],
  ["empty values", 'password=\n"secret": ""'],
  ["ordinary env lines", "NODE_ENV=production\nPATH=/usr/local/bin:/usr/bin\nLANG=en_US.UTF-8\nPORT=3000"],
  ["an env path with capitals and digits", "JAVA_HOME=/Users/Alice/Library/Java/jdk-17.0.2/Contents/Home"],
  ["a camelCase identifier in a KEY= line", "APP_CLASS=XMLHttpRequest2Polyfill"],
  ["hf_ and npm_ identifiers", "Use hf_hub_download; npm_config_cache=/tmp/npm"],
  ["xoxo in prose", "hugs xoxo-xoxo"],
  ["AKIA too short", "AKIA1234"],
  ["comparison operators", "if (token == null || secret === undefined) {}"],
  ["Rust paths", "let t = token::Kind::Ident;"],
  ["a short base64 value", "ETAG=W/abc123"],
  ["a hex secret-looking value without a secret name", `CHECKSUM=${"ab".repeat(32)}`],
];

describe("createRedactor: secret shapes", () => {
  const redactor = createRedactor({ knownSecrets: [] });
  for (const [what, input, expected] of POSITIVES) {
    it(`removes: ${what}`, () => {
      assert.equal(redactor.redact(input), expected);
    });
  }
  for (const [what, input] of NEGATIVES) {
    it(`keeps: ${what}`, () => {
      assert.equal(redactor.redact(input), input);
    });
  }
  it(`has a table of ${POSITIVES.length + NEGATIVES.length} rows`, () => {
    assert.ok(POSITIVES.length + NEGATIVES.length >= 40);
  });
});

describe("createRedactor: known secrets", () => {
  const canary = `hearth-canary-${body(24, 11)}`;
  const other = `zz${body(30, 12)}`;

  it("replaces a known value exactly, anywhere, also inside longer strings", () => {
    const redactor = createRedactor({ knownSecrets: [canary] });
    const input = `a ${canary} b x${canary}y\n{"k":"pre-${canary}-post"} https://h/?q=${canary}`;
    assert.equal(
      redactor.redact(input),
      'a [REDACTED] b x[REDACTED]y\n{"k":"pre-[REDACTED]-post"} https://h/?q=[REDACTED]',
    );
  });

  it("ignores known values shorter than 8 characters", () => {
    const redactor = createRedactor({ knownSecrets: ["1234567", "admin"] });
    assert.equal(redactor.redact("admin 1234567 12345678"), "admin 1234567 12345678");
  });

  it("removes a value that contains another known value whole", () => {
    const inner = canary.slice(0, 20);
    const redactor = createRedactor({ knownSecrets: [inner, canary] });
    assert.equal(redactor.redact(`<${canary}> <${inner}>`), "<[REDACTED]> <[REDACTED]>");
  });

  it("takes more values through add()", () => {
    const redactor = createRedactor({ knownSecrets: [canary] });
    assert.equal(redactor.redact(other), other);
    redactor.add(other);
    redactor.add("short");
    assert.equal(redactor.redact(`${canary}:${other}:short`), "[REDACTED]:[REDACTED]:short");
  });

  it("keeps the provider prefix of a known key, and leaves nothing of it", () => {
    const key = k("sk-ant-api03-", 93, 13);
    const redactor = createRedactor({ knownSecrets: [key] });
    const out = redactor.redact(`ANTHROPIC_API_KEY=${key}\nx-api-key: ${key}`);
    assert.equal(out, "ANTHROPIC_API_KEY=sk-ant-…[REDACTED]\nx-api-key: sk-ant-…[REDACTED]");
    assert.ok(!out.includes(key.slice(13, 30)));
  });

  it("removes a known value inside a secret-shaped value without leaving its neighbours", () => {
    const redactor = createRedactor({ knownSecrets: [canary] });
    assert.equal(
      redactor.redact(`/login?password=ab${canary}cd&next=/`),
      "/login?password=[REDACTED]&next=/",
    );
  });

  it("ignores known values that could collide with its own markers", () => {
    const redactor = createRedactor({
      knownSecrets: ["[REDACTED]", "REDACTED", "PRIVATE KEY", "sk-svcacct-"],
    });
    const once = redactor.redact("plain [REDACTED] text");
    assert.equal(once, "plain [REDACTED] text");
  });
});

describe("createRedactor: idempotence and JSON", () => {
  const canary = `hearth-canary-${body(24, 21)}`;
  const redactor = createRedactor({ knownSecrets: [canary] });
  const all = [
    ...POSITIVES.map(([, input]) => input),
    ...NEGATIVES.map(([, input]) => input),
    `x ${canary} y`,
  ];

  it("redact(redact(x)) === redact(x) for every row and for all rows together", () => {
    for (const input of [...all, all.join("\n"), all.join(" "), all.join("")]) {
      const once = redactor.redact(input);
      assert.equal(redactor.redact(once), once, JSON.stringify(input));
    }
  });

  it("redacts a JSON-serialized transcript line as it redacts the text, and leaves it valid", () => {
    for (const input of all) {
      const line = JSON.stringify({ output: input });
      assert.equal(
        (JSON.parse(redactor.redact(line)) as { output: string }).output,
        redactor.redact(input),
        line,
      );
      // A tool output that is itself JSON, stored in a JSON transcript line.
      const nested = JSON.stringify({ output: JSON.stringify({ input }) });
      const inner = (JSON.parse(redactor.redact(nested)) as { output: string }).output;
      assert.equal((JSON.parse(inner) as { input: string }).input, redactor.redact(input), nested);
    }
  });
});

describe("createRedactor: adversarial input", () => {
  const redactor = createRedactor({ knownSecrets: [`hearth-canary-${body(24, 31)}`] });
  const size = 100_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  let seed = 7;
  const noise = Array.from({ length: size }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return "-_:/@=\"'\\ \n\tskABCxoxb[]…#?&.aZ9"[seed % 33];
  }).join("");
  const inputs: [string, string][] = [
    ["one long word", fill("a")],
    ["repeated key prefixes", fill("sk-")],
    ["escapes before key prefixes", fill("\\nsk-\\tAKIA\\u0001ghp_\\tBearer\\t")],
    ["JWT-like segments", fill("eyJabcdefghijkl.")],
    ["key prefixes glued to a word", `x${fill("sk-")}`],
    ["JWT-like segments glued to a word", fill("xeyJabcdefghijkl.")],
    ["bearer glued to words", fill("xbearer bearer ")],
    ["BEGIN without END", fill(`${BEGIN("RSA ")}\n`)],
    ["BEGIN then dashes", BEGIN("RSA ") + fill("-")],
    ["BEGIN then an unterminated body", BEGIN("") + fill("Ab0+/")],
    ["URL starts", fill("://a:")],
    ["URL with @ runs", `://a:${fill("@")}`],
    ["password= runs", fill("password=")],
    ["open quotes after a secret name", fill('token: "')],
    ["escaped quotes", fill('\\"')],
    ["env-like lines", fill("A=\n")],
    ["escaped newlines", fill("\\n")],
    ["underscored identifiers", `${fill("a_")}=`],
    ["Bearer runs", fill("Bearer ")],
    ["authorization runs", fill("authorization: ")],
    ["identifier then spaces", `password${" ".repeat(size)}`],
    ["a long name then equals signs", "x".repeat(size / 2) + "=".repeat(size / 2)],
    ["blanks before names", fill(`${" ".repeat(1000)}export A=`)],
    ["random punctuation soup", noise],
  ];
  for (const [what, input] of inputs) {
    it(`handles 100 KB of ${what} in linear time`, () => {
      const started = performance.now();
      const once = redactor.redact(input);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1000, `${what}: ${elapsed.toFixed(0)} ms`);
      assert.equal(redactor.redact(once), once);
    });
  }
});

describe("looksRandom", () => {
  it("takes random keys and base64, leaves words, identifiers, paths, hex and ids", () => {
    for (const value of [body(32, 41), body(64, 42), "SGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q=", JWT])
      assert.equal(looksRandom(value), true, value);
    for (const value of [
      "MyApplicationName2024Production",
      "/Users/Alice/Projects/my-app2/src/index.ts",
      SHA,
      UUID,
      UUID.toUpperCase(),
      "short1A",
      "with spaces in It 2 and more words",
      "https://example.com/A1b2C3d4E5f6G7h8",
    ])
      assert.equal(looksRandom(value), false, value);
  });
});

describe("createRedactor: secrets right after a JSON escape", () => {
  const redactor = createRedactor({ knownSecrets: [] });
  // Each escape ends with a letter or digit that would otherwise glue to the secret: `\nAKIA…`, `\u001bghp_…`.
  const escapes = ["\n", "\t", "\r", "\b", "\f", "\u0001", "\u001b", "\u007f"];
  const secrets: Array<[string, string]> = [
    ["AWS key id", `AKIA${"IOSFODNN7EXAMPLE"}`],
    ["Anthropic key", k("sk-ant-api03-", 93, 31)],
    ["OpenAI key", k("sk-", 48, 32)],
    ["GitHub token", k("ghp_", 36, 33)],
    ["GitHub fine-grained token", k("github_pat_", 82, 34)],
    ["Slack token", `xoxb-123456789012-${body(24, 35)}`],
    ["GitLab token", k("glpat-", 20, 36)],
    ["Google key", k("AIza", 35, 37)],
    ["JWT", JWT],
    ["bearer token", `Bearer ${body(32, 38)}`],
    ["Authorization header", `Authorization: Basic ${body(24, 39)}`],
  ];
  for (const [what, secret] of secrets) {
    it(`removes a ${what} after every separator, in JSON and in JSON inside JSON`, () => {
      for (const separator of escapes) {
        const plain = `output${separator}${secret}`;
        const expected = redactor.redact(plain);
        assert.notEqual(expected, plain, `the plain text is redacted (${JSON.stringify(separator)})`);
        const once = redactor.redact(JSON.stringify({ output: plain }));
        assert.equal((JSON.parse(once) as { output: string }).output, expected, once);
        const twice = redactor.redact(JSON.stringify({ line: JSON.stringify({ output: plain }) }));
        const inner = (JSON.parse(twice) as { line: string }).line;
        assert.equal((JSON.parse(inner) as { output: string }).output, expected, twice);
      }
    });
  }
  it("removes a random .env value after an escaped line break and indent", () => {
    const value = body(32, 40);
    for (const start of ["\n", "\r", "\r\n", "\n\t", "\n  \t"]) {
      const plain = `# config${start}DEPLOY_ID=${value}`;
      const out = redactor.redact(JSON.stringify(plain));
      assert.ok(!out.includes(value), out);
      assert.equal(JSON.parse(out), redactor.redact(plain));
    }
  });
});

describe("createRedactor: redactKnown (what a model sees)", () => {
  const canary = `hearth-canary-${body(24, 51)}`;
  const redactor = createRedactor({ knownSecrets: [canary] });

  it("removes known values and private key blocks, and nothing shaped like a secret", () => {
    const key = `${BEGIN("RSA ")}\n${body(64, 52)}\n${body(40, 53)}\n${END("RSA ")}`;
    const shaped = `password: "hunter2xyz"\nTOKEN=${body(32, 54)}\n${k("sk-ant-api03-", 93, 55)}`;
    assert.equal(
      redactor.redactKnown(`a ${canary} b\n${key}\n${shaped}`),
      `a [REDACTED] b\n[REDACTED PRIVATE KEY]\n${shaped}`,
    );
  });

  it("removes a known value with a quote or backslash also in its JSON-escaped form", () => {
    const odd = `p"a\\ss${body(12, 56)}`;
    const withOdd = createRedactor({ knownSecrets: [odd] });
    assert.equal(withOdd.redact(JSON.stringify({ v: `<${odd}>` })), '{"v":"<[REDACTED]>"}');
    assert.equal(withOdd.redactKnown(`<${odd}>`), "<[REDACTED]>");
  });

  it("leaves text without secrets as it is", () => {
    const text = 'const password = "x";\n-----BEGIN PUBLIC KEY-----\nabc\n';
    assert.equal(redactor.redactKnown(text), text);
  });
});

describe("secretShaped", () => {
  it("recognises provider keys, key blocks, JWTs, URL passwords and bearer tokens", () => {
    for (const value of [
      k("sk-ant-api03-", 93, 61),
      `prefix ${k("ghp_", 36, 62)}`,
      `AKIA${"IOSFODNN7EXAMPLE"}`,
      `${BEGIN("")}\n${body(64, 63)}`,
      JWT,
      `postgres://app:${body(16, 64)}@db/app`,
      `Authorization: Bearer ${body(32, 65)}`,
    ])
      assert.equal(secretShaped(value), true, value);
  });
  it("leaves paths, words, ids and ordinary values", () => {
    for (const value of [
      "/usr/local/bin:/usr/bin",
      "en_US.UTF-8",
      SHA,
      UUID,
      "xterm-256color",
      "risk-free",
      body(32, 66), // random, but no shape: only a secret-looking name makes it a secret
      "https://example.com/path",
    ])
      assert.equal(secretShaped(value), false, value);
  });
});
