/** Permission modes: the vocabulary shared by settings, flags and the policy. */
export const PERMISSION_MODES = ["ask", "auto", "plan"] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];
