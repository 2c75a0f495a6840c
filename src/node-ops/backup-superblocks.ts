/**
 * Where filesystems keep copies of their superblock, and how to recognise one. blkid and wipefs
 * look only at the primary superblock: an ext4 or xfs whose first blocks were zeroed is "nothing"
 * to them, yet fully recoverable (`e2fsck -b`, `xfs_repair`). The format decision must see it.
 */

export interface Candidate {
  offset: number;
  /** Bytes to read at `offset`. */
  length: number;
  /** What a match means, for the refusal message. */
  label: string;
  matches(buf: Buffer): boolean;
}

const EXT_MAGIC = 0xef53;
/** ext2/3/4 with sparse_super keep backups in groups 1 and powers of 3, 5, 7. */
const EXT_GROUPS = [1, 3, 5, 7, 9, 25, 27, 49];
const XFS_BLOCK = 4096;
const XFS_MAX_AGS = 64;

function extCandidates(sizeBytes: number): Candidate[] {
  const out: Candidate[] = [];
  for (const bs of [1024, 2048, 4096, 65536]) {
    const perGroup = 8 * bs;
    const logBs = Math.log2(bs / 1024);
    for (const g of EXT_GROUPS) {
      // With 1 KiB blocks block 0 is the boot block, so groups start one block later.
      const offset = (g * perGroup + (bs === 1024 ? 1 : 0)) * bs;
      if (offset + 1024 > sizeBytes) break;
      out.push({
        offset,
        length: 1024,
        label: `an ext2/3/4 backup superblock (block size ${bs}, group ${g}, at byte ${offset}; try "e2fsck -n -b ${g * perGroup + (bs === 1024 ? 1 : 0)} -B ${bs} DEVICE")`,
        // s_magic at 56, s_log_block_size at 24, s_block_group_nr at 90.
        matches: (b) => b.readUInt16LE(56) === EXT_MAGIC && b.readUInt32LE(24) === logBs && b.readUInt16LE(90) === g,
      });
    }
  }
  return out;
}

function xfsCandidates(sizeBytes: number): Candidate[] {
  const blocks = Math.floor(sizeBytes / XFS_BLOCK);
  const seen = new Set<number>();
  const out: Candidate[] = [];
  for (let ags = 2; ags <= XFS_MAX_AGS; ags++) {
    for (const agBlocks of [Math.ceil(blocks / ags), Math.floor(blocks / ags)]) {
      const offset = agBlocks * XFS_BLOCK;
      if (agBlocks === 0 || seen.has(offset) || offset + 512 > sizeBytes) continue;
      seen.add(offset);
      out.push({
        offset,
        length: 512,
        label: `an xfs secondary superblock (at byte ${offset}; try "xfs_repair -n DEVICE")`,
        // "XFSB", then sb_blocksize (be32 at 4) and sb_agblocks (be32 at 84) that put AG 1 right here.
        matches: (b) => b.toString('latin1', 0, 4) === 'XFSB' && b.readUInt32BE(4) * b.readUInt32BE(84) === offset,
      });
    }
  }
  return out;
}

/** Every place a backup or secondary superblock of ext2/3/4 or xfs can sit on a device of this size. */
export function backupSuperblockCandidates(sizeBytes: number): Candidate[] {
  return [...extCandidates(sizeBytes), ...xfsCandidates(sizeBytes)];
}
