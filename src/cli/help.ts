/** The --help text. Kept in its own tiny module: `hearth --help` loads nothing else. */
export const HELP = `hearth: a local-first coding agent

Usage:
  hearth [options] ["task"]        interactive session in this terminal (Esc interrupts, Ctrl-C twice exits)
  hearth -p [options] "task"       run a task headless and print the answer (hearth exec "task" too)
  git diff | hearth -p "review"    piped stdin is appended to the prompt (or is the prompt); up to 10 MB
  hearth -c -p "more"              continue the latest session in this directory (-r <id> for any session)
  hearth -p --input-format stream-json --output-format stream-json
                                   many prompts in one process, driven over stdin: one command a line
                                   ({"type":"prompt","text":"..."}, answer_permission, interrupt, ...)
  hearth sessions [search "text"]  list or search sessions; also show, export, fork, rm, reindex
  hearth undo [--turn N]           put back the files hearth's edits changed in the last (or Nth) turn
  hearth models                    list the models you can use: cloud keys, local servers, GGUF files
  hearth models pull|rm|bench      download a GGUF (hf:owner/repo/file.gguf or a URL), delete one, measure speed
  hearth engine install|status|rm  the in-process GGUF engine for --model local/<file> (~80 MB)
  hearth prompt --show             the exact system prompt, tools and memory files, with their sizes
  hearth -p --runtime claude "task"  hand the prompt to another agent CLI (claude, codex, gemini, opencode);
                                   -c continues its own session
  hearth runtimes                  the agent CLIs --runtime can run, with versions (--json)
  hearth acp                       serve editors over the Agent Client Protocol (stdio; Zed, JetBrains, Neovim)
  hearth doctor                    check settings, dirs, disk, keychain, sandbox, servers, index, runtimes
  hearth mcp list|add|remove|test  MCP servers: from settings and the project's .mcp.json (Claude Code's
                                   format); test starts one and lists its tools (mcp__<server>__<tool>)
  hearth trust [dir]               let dir's .hearth/settings.json loosen permissions and its .mcp.json
                                   servers start (--list, --remove)
  hearth egress                    the outbound requests hearth made: time, host, purpose, bytes (--json)
  hearth keys set|list|rm <name>   API keys in the OS keychain (or a 0600 file where there is none)
  hearth serve [--model M]         a model gateway on 127.0.0.1 for other agents: Anthropic Messages,
                                   OpenAI Chat and Responses, served by any model hearth can use (key needed)
  hearth serve --print-env claude  the environment that points Claude Code (or codex) at it

Options:
  -p, --print                 headless: run to the end, print the result, exit
  -m, --model <p/model>       model to use, e.g. anthropic/claude-sonnet-4-5, ollama/qwen2.5-coder:7b, or a
                              bare name that fits one known model (sonnet, gpt-5, qwen2.5-coder:7b)
                              (default: HEARTH_MODEL, then "model" in settings, then a local server found
                              on this machine)
      --output-format <f>     text (default) | json (one object at the end) | stream-json (one event a line)
                              | claude-stream-json (Claude Code's stream-json envelopes)
      --input-format <f>      text (default: the argument and piped stdin) | stream-json (JSON commands on
                              stdin, permission requests answered by the client; with --output-format
                              stream-json; a prompt argument is the first prompt)
      --permission-mode <m>   ask (default: reads and read-only commands) | edits (also edits in the workspace)
                              | auto (everything but destructive commands) | plan (read-only); Claude Code's
                              default, acceptEdits, bypassPermissions (= auto: destructive still asks), plan
      --allowedTools <rules>  allow these for this run: "Bash(git diff:*),Edit" (Claude Code's names or ours)
      --disallowedTools <r>   deny these for this run (comma or space separated, as --allowedTools)
      --append-system-prompt <text>  add text at the end of the system prompt
      --max-turns <n>         stop after n model responses
      --max-time <duration>   stop the run after this long: 500ms, 90s, 2m, 1h (continue with -c)
      --max-cost <usd>        stop before the next request once the run cost this much (priced cloud models)
      --tool-timeout <d>      stop any tool call running longer (90s, 2m, 500ms); or toolTimeout in settings
      --runtime <name>        another agent runs the prompts, in its own safe mode (ours mapped to its own):
                              claude | codex | gemini | opencode | acp:<command>; hearth = our own loop
  -c, --continue              continue the most recent session started in this directory
  -r, --resume <id>           continue a session by its short id (or any unique start or end of the id)
      --fork-session          with -c or -r: continue a copy under a new id, the original left as it was
      --profile <p>           lean (short prompt, default for local models) | default
      --cwd <dir>             workspace directory (default: the current directory)
      --allow-home-workspace  let the workspace be your home directory or / (refused otherwise)
      --add-dir <dir>         another directory the tools may use (repeatable)
      --offline               connect to nothing but loopback (local models); or "offline": true in settings
      --quiet                 no progress line per tool call on stderr
      --verbose               progress lines in every output format (as Claude Code's --verbose)
  -v, --version               print the version
  -h, --help                  print this help

Providers: anthropic, openai, google, ollama, lmstudio, llamacpp, local (GGUF files), and any in settings.
Settings: $XDG_CONFIG_HOME/hearth/settings.json and .hearth/settings.json in the project (or, without it,
the permissions in .claude/settings.json).
Exit codes: 0 done, 1 failed (model or provider error), 2 usage or configuration error, 130 interrupted.
`;
