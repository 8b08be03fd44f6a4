/**
 * The /resume picker (and `hearth -r` with no id): the sessions of this directory, newest first, filtered as
 * the person types, Up/Down to choose, Enter to open, Esc to cancel. Pure state; `lines` draws it.
 */
import type { Key } from "./key-reader.ts";
import { truncate } from "./text-width.ts";
import type { Theme } from "./theme.ts";

export type PickerItem = { id: string; label: string; detail: string };

export type PickerOutcome = { type: "open"; id: string } | { type: "cancel" } | null;

export type Picker = {
  readonly filter: string;
  /** The items the filter keeps, in order. */
  readonly shown: PickerItem[];
  readonly selected: PickerItem | undefined;
  /** A key: null while the picker stays open. */
  key(key: Key): PickerOutcome;
  lines(theme: Theme, width: number, height: number): string[];
};

/** Every word of the filter appears in the label, the detail or the id (any case). */
export function pickerMatches(item: PickerItem, filter: string): boolean {
  const haystack = `${item.label} ${item.detail} ${item.id}`.toLowerCase();
  return filter
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

export function createPicker(title: string, items: PickerItem[]): Picker {
  let filter = "";
  let index = 0;
  const shown = () => items.filter((item) => pickerMatches(item, filter));
  const setFilter = (value: string) => {
    filter = value;
    index = 0;
  };
  return {
    get filter() {
      return filter;
    },
    get shown() {
      return shown();
    },
    get selected() {
      return shown()[index];
    },
    key(key) {
      const count = shown().length;
      switch (key.type) {
        case "escape":
        case "ctrl-c":
          return { type: "cancel" };
        case "enter": {
          const item = shown()[index];
          return item ? { type: "open", id: item.id } : null;
        }
        case "up":
          index = Math.max(0, index - 1);
          return null;
        case "down":
        case "tab":
          index = Math.min(Math.max(0, count - 1), index + 1);
          return null;
        case "backspace":
          setFilter(filter.slice(0, -1));
          return null;
        case "kill-start":
        case "delete-word":
          setFilter("");
          return null;
        case "text":
        case "paste":
          setFilter(filter + key.text.replace(/\s+/g, " "));
          return null;
        default:
          return null;
      }
    },
    lines(theme, width, height) {
      const list = shown();
      const room = Math.max(1, height - 3);
      // The selected row stays in view.
      const first = Math.min(Math.max(0, index - room + 1), Math.max(0, list.length - room));
      const rows = list.slice(first, first + room).map((item, i) => {
        const chosen = first + i === index;
        const text = truncate(`${chosen ? "›" : " "} ${item.label}  ${item.detail}`, width);
        return chosen ? theme.bold(text) : text;
      });
      const empty = items.length === 0 ? "no sessions in this directory yet" : "no session matches";
      return [
        theme.bold(truncate(`${title} (${list.length} of ${items.length})`, width)),
        ...(rows.length > 0 ? rows : [theme.dim(empty)]),
        theme.dim(truncate("type to filter · ↑/↓ choose · Enter opens · Esc cancels", width)),
        truncate(`filter: ${filter}`, width),
      ];
    },
  };
}
