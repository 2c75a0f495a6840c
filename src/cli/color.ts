/** Colour on terminals only, and never when NO_COLOR is set to anything but "" (no-color.org). */
export function colorWanted(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(isTTY) && (env['NO_COLOR'] ?? '') === '';
}
