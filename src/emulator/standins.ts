/**
 * Writes the per-node `drbdadm` and `drbdsetup` stand-ins: small bash scripts (node name and
 * emulator address baked in) that relay the argv to the emulator's control API over bash's
 * /dev/tcp and print back what it answers, byte for byte, with its exit code. All DRBD logic
 * lives in the emulator; the script only relays, so it costs a bash start (~2 ms) and one local
 * HTTP round trip instead of a Node start.
 *
 * Wire format (POST /emulator/drbd/NODE/TOOL/argv): the body is each argument followed by a
 * NUL byte; the reply is "CODE STDOUT_BYTES STDERR_BYTES\n" followed by stdout then stderr.
 */
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STANDIN_TOOLS = ['drbdadm', 'drbdsetup'] as const;

/** Exit code of drbd-utils when it cannot talk to the kernel module (no DRBD here). */
const NO_MODULE_EXIT = 20;

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** `host` and `port` of an http:// URL, host without IPv6 brackets (bash's /dev/tcp wants it bare). */
function tcpTarget(url: string): { host: string; port: string; hostHeader: string } {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`the DRBD stand-ins relay over plain HTTP; emulator URL ${url} is not http://`);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port || '80', hostHeader: u.host };
}

export function standinScript(tool: (typeof STANDIN_TOOLS)[number], node: string, url: string): string {
  const { host, port, hostHeader } = tcpTarget(url);
  const path = `/emulator/drbd/${encodeURIComponent(node)}/${tool}/argv`;
  return `#!/bin/bash
# linstor-csi emulator stand-in for ${tool} on node ${node}. Generated; do not edit.
# Relays the argv to the emulator at ${url} and prints its answer (see src/emulator/standins.ts).
LC_ALL=C
tool=${tool}
url=${shQuote(url)}
unreachable() {
  printf '%s: cannot reach the emulated DRBD at %s: %s\\n' "$tool" "$url" "$1" >&2
  exit ${NO_MODULE_EXIT}
}
{ exec 3<>/dev/tcp/${shQuote(host)}/${shQuote(port)}; } 2>/dev/null || unreachable 'connection refused'
len=0
for a in "$@"; do len=$((len + \${#a} + 1)); done
{
  printf 'POST %s HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\nContent-Type: application/octet-stream\\r\\nContent-Length: %d\\r\\n\\r\\n' ${shQuote(path)} ${shQuote(hostHeader)} "$len"
  if [ $# -gt 0 ]; then printf '%s\\0' "$@"; fi
} >&3 2>/dev/null || unreachable 'connection lost while sending'
IFS= read -r line <&3 || unreachable 'no reply'
case $line in
  'HTTP/1.1 200 '*) ;;
  *) unreachable "unexpected reply: \${line%$'\\r'}" ;;
esac
while IFS= read -r line <&3; do [ "$line" = $'\\r' ] && break; done
read -r code olen elen <&3 || unreachable 'truncated reply'
case "$code:$olen:$elen" in *[!0-9:]* | *::* | :* | *:) unreachable 'malformed reply' ;; esac
out= err=
if [ "$olen" -gt 0 ]; then IFS= read -r -d '' -N "$olen" out <&3 || unreachable 'truncated reply'; fi
if [ "$elen" -gt 0 ]; then IFS= read -r -d '' -N "$elen" err <&3 || unreachable 'truncated reply'; fi
exec 3<&-
printf '%s' "$out"
printf '%s' "$err" >&2
exit "$code"
`;
}

export async function installStandins(stateDir: string, binDir: string, node: string, url: string): Promise<void> {
  // The Node helper of earlier versions is no longer used.
  await rm(join(stateDir, 'lib', 'drbd-standin.cjs'), { force: true });
  await mkdir(binDir, { recursive: true });
  for (const tool of STANDIN_TOOLS) await writeAtomic(join(binDir, tool), standinScript(tool, node, url), 0o755);
}
