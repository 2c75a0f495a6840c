/**
 * The node plugin acts only beneath the kubelet's root directory (`--kubelet-dir`). A staging or
 * target path is resolved with every symlink followed (`..`, `/proc/PID/root` and links in any
 * parent included) and must land strictly under the resolved root; the last component must not be
 * a symlink itself. The resolved path is what the handlers then mount, create and remove.
 */
import { basename, dirname, join } from 'node:path';
import { invalidArgument } from '../csi/errors.js';
import type { Fs } from '../node-ops/fs.js';
import { validatePath } from './validation.js';

type PathFs = Pick<Fs, 'realpath' | 'isSymlink'>;

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * `p` with every symlink of its existing part resolved and the missing rest appended. A missing
 * component that is itself a link (dangling) is refused: creating beneath it would follow it.
 */
async function resolveExisting(fs: PathFs, root: string, field: string, p: string): Promise<string> {
  const rest: string[] = [];
  let head = p;
  for (;;) {
    try {
      const real = await fs.realpath(head);
      return rest.length === 0 ? real : join(real, ...rest.reverse());
    } catch (e) {
      if (!isMissing(e) || head === '/') {
        // e.g. EACCES on another process's /proc/PID/root, ELOOP: what cannot be resolved cannot be proven inside the root.
        throw invalidArgument(`${field} "${p}" cannot be resolved (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the node plugin acts only on paths it can resolve beneath the kubelet directory ${root}`);
      }
      if (await fs.isSymlink(head).catch(() => true)) throw invalidArgument(`${field} "${p}" goes through ${head}, a symlink that points nowhere; refusing to create anything through it`);
      rest.push(basename(head));
      head = dirname(head);
    }
  }
}

/** The resolved root; the literal one when it does not exist yet (nothing can resolve beneath it then). */
async function resolveRoot(fs: PathFs, root: string): Promise<string> {
  try {
    return await fs.realpath(root);
  } catch (e) {
    if (isMissing(e)) return root;
    throw e;
  }
}

/** Validates `p` (absolute, normalised) and confines it beneath `root`; INVALID_ARGUMENT names both. */
export async function confinePath(fs: PathFs, root: string, field: string, p: string | undefined): Promise<string> {
  const path = validatePath(field, p);
  const [realRoot, resolved] = await Promise.all([resolveRoot(fs, root), resolveExisting(fs, root, field, path)]);
  if (!resolved.startsWith(`${realRoot}/`)) {
    const via = resolved === path ? '' : ` (it resolves to ${resolved})`;
    throw invalidArgument(`${field} "${path}" is not beneath the kubelet directory ${root}${via}; the node plugin stages and publishes only under --kubelet-dir`);
  }
  if (await fs.isSymlink(path).catch(() => true)) {
    throw invalidArgument(`${field} "${path}" is a symlink; the node plugin does not mount onto links (kubelet directory ${root})`);
  }
  return resolved;
}
