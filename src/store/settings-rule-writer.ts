/**
 * Adds a permission rule to a settings file (a person answered "allow always"): the file is edited in place with
 * its comments and layout kept, and replaced atomically (json-file-edit.ts). A file that does not parse is left
 * alone. Two hearth processes adding rules at once take turns.
 */
import { editJsonFile } from "./json-file-edit.ts";

export type RuleWrite = { ok: true; added: boolean } | { ok: false; problem: string };

/** Appends `rule` to permissions.<list> of the settings file at `path` (created when missing). */
export function addPermissionRule(link: string, list: "allow" | "deny", rule: string): RuleWrite {
  const edit = editJsonFile(
    link,
    (value) => {
      const existing = (value as { permissions?: Record<string, unknown> }).permissions?.[list];
      if (Array.isArray(existing) && existing.includes(rule)) return null;
      return Array.isArray(existing)
        ? { path: ["permissions", list, existing.length], value: rule, insert: true }
        : { path: ["permissions", list], value: [rule] };
    },
    `add ${JSON.stringify(rule)} to permissions.${list}`,
  );
  return edit.ok ? { ok: true, added: edit.changed } : edit;
}
