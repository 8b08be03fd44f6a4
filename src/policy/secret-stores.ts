/**
 * Well-known stores of credentials below the home directory. Commands see each one empty (an empty read-only
 * folder or file mounted over it, policy/sandbox.ts): no build or test needs an ssh key, a cloud login or a
 * registry token, and whatever a command prints goes to the model. Pure: no fs, no env.
 *
 * `~/.npmrc` is in the list although it may also hold harmless settings (a registry URL): it is where `npm login`
 * writes publish tokens, and a token sent to a model is a token lost. A project's own `.npmrc` is unaffected; a
 * private registry's token can reach commands through `env.allow` in settings.
 */
import { join } from "node:path";

/** Relative to home. Folders and files alike; those that do not exist are skipped. */
export const HOME_SECRET_STORES: readonly string[] = [
  ".ssh",
  ".gnupg",
  ".aws",
  ".azure",
  ".config/gcloud",
  ".kube",
  ".docker",
  ".config/gh",
  ".config/hub",
  ".password-store",
  ".netrc",
  ".npmrc",
  ".yarnrc.yml",
  ".pypirc",
  ".git-credentials",
  ".config/git/credentials",
  ".cargo/credentials",
  ".cargo/credentials.toml",
  ".terraform.d/credentials.tfrc.json",
  ".vault-token",
];

/** The absolute paths of the secret stores below `home`. */
export function secretStorePaths(home: string): string[] {
  return HOME_SECRET_STORES.map((relative) => join(home, ...relative.split("/")));
}
