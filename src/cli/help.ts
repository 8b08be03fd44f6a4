/** The --help text. Kept in its own tiny module: `hearth --help` loads nothing else. */
export const HELP = `hearth: a local-first coding agent

Usage:
  hearth -p [options] "task"       run a task headless and print the answer
  git diff | hearth -p "review"    piped stdin is appended to the prompt (or is the prompt)
  hearth models                    list the models you can use: cloud keys set, local servers running
  hearth trust [dir]               let dir's .hearth/settings.json loosen permissions (--list, --remove)
  hearth egress                    the outbound requests hearth made: time, host, purpose, bytes (--json)
  hearth keys set|list|rm <name>   API keys in the OS keychain (or a 0600 file where there is none)

Options:
  -p, --print                 headless: run to the end, print the result, exit
  -m, --model <p/model>       model to use, e.g. anthropic/claude-sonnet-4-5, ollama/qwen2.5-coder:7b
                              (default: HEARTH_MODEL, then "model" in settings, then a local server found
                              on this machine)
      --output-format <f>     text (default) | json (one object at the end) | stream-json (one event a line)
      --permission-mode <m>   ask (default: reads and read-only commands) | edits (also edits in the workspace)
                              | auto (everything but destructive commands) | plan (read-only)
      --max-turns <n>         stop after n model responses
      --cwd <dir>             workspace directory (default: the current directory)
      --add-dir <dir>         another directory the tools may use (repeatable)
      --offline               connect to nothing but loopback (local models); or "offline": true in settings
  -v, --version               print the version
  -h, --help                  print this help

Providers: anthropic, openai, google, ollama, lmstudio, llamacpp, and any in settings "providers".
Settings: $XDG_CONFIG_HOME/hearth/settings.json and .hearth/settings.json in the project.
Exit codes: 0 done, 1 failed (model or provider error), 2 usage or configuration error, 130 interrupted.
`;
