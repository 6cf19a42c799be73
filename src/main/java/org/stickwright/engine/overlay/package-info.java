/**
 * Persistence stores of live sticks, read and edited offline: the dm-snapshot persistent
 * exception store ("COW file", {@link org.stickwright.engine.overlay.DmSnapshotStore},
 * {@link org.stickwright.engine.overlay.DmSnapshotEditor}) that dracut's {@code dmsquash-live}
 * puts under a nested {@code LiveOS/rootfs.img}, and overlayfs upper directories.
 *
 * <h2>The dm-snapshot store (Linux {@code drivers/md/dm-snap-persistent.c})</h2>
 * dracut loads {@code snapshot <rootfs.img loop> <store loop> PO 8}: persistent, overflow
 * allowed, chunks of 8 sectors (4 KiB). Every integer is little-endian. The store is a sequence
 * of chunks:
 * <pre>
 * chunk 0       header (struct disk_header, rest of the chunk zero)
 *                 +0 u32 magic       0x70416e53 = bytes 53 6E 41 70 "SnAp"; 0 = fresh store
 *                 +4 u32 valid       1; the kernel writes 0 when it invalidates the snapshot
 *                 +8 u32 version     1 (nothing else loads)
 *                +12 u32 chunk_size  sectors, a power of two; overrides the table's
 * chunk 1       metadata area 0: E = chunk bytes / 16 records (256 for 4 KiB)
 *                 +0 u64 old_chunk   chunk index in the origin (rootfs.img)
 *                 +8 u64 new_chunk   chunk index in this store holding the new data
 *               the first record with new_chunk 0 (which would be the header) ends the table
 * chunks 2..E+1 data chunks, then area 1 at chunk E+2, its data, area 2 at 2E+3 ...
 * </pre>
 * The kernel reads area after area while each is completely full; it zeroes the next area
 * itself before it starts filling it. A fresh store needs only a zero header: the kernel then
 * writes the header and zeroes area 0.
 *
 * <p>Worked example: a 256 MiB store after a boot changed origin chunks 42 and 7:
 * <pre>
 * byte 0     53 6E 41 70 01 00 00 00 01 00 00 00 08 00 00 00   SnAp, valid, v1, 8 sectors
 * byte 4096  2A 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00   origin chunk 42 -> store chunk 2
 * byte 4112  07 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00   origin chunk 7  -> store chunk 3
 * byte 4128  00 ... 00                                          new_chunk 0: end of table
 * byte 8192  the new 4096 bytes of origin bytes 172032..176127 (chunk 42), then chunk 7's
 * </pre>
 * Loading it, the kernel sets {@code next_free} = highest new_chunk + 1 = 4 (one more if that
 * is a metadata chunk: 258, 515, ...) and its area to 0, so the guest's {@code dmsetup status}
 * prints {@code 32/524288 16}: allocated = next_free × 8, total = the store's sectors,
 * metadata = (area + 2) × 8. {@link org.stickwright.engine.overlay.DmSnapshotStore#dmsetupStatus()}
 * computes the same line offline; the boot tests compare it with the guest's.
 *
 * <p>States: magic 0 = fresh; valid 0 = invalidated (a write to the store failed, or without
 * {@code O} it ran full): the kernel then fails all I/O and the live boot stops, although the
 * table is intact, so setting valid back to 1 recovers everything but the failed writes. With
 * {@code PO} a full store only overflows in memory: the header stays valid, and a store is full
 * on disk when {@code (next_free + 1) × chunk} exceeds its size.
 *
 * <h2>Merging an overlayfs upper into a new root ({@link org.stickwright.engine.overlay.OverlayfsMerge})</h2>
 * The upper directory (ext4, read with {@code Ext4Reader}) records only changes; the merge writes
 * the tree overlayfs would show into a new squashfs ({@code SquashfsWriter}). Example: lower
 * squashfs {@code /etc/hostname, /etc/removed, /var/cache/pkg/a.rpm, /opt/was-a-directory/inner}
 * and an upper holding
 * <pre>
 * /etc/hostname          regular file                     replaces the lower file, its xattrs too
 * /etc/removed           char 0:0, mode 0000 (whiteout)   the lower file is gone, so is the whiteout
 * /var/cache             dir, trusted.overlay.opaque=y    lower /var/cache/pkg disappears
 * /var/cache/fresh       regular file                     new
 * /opt/was-a-directory   regular file                     replaces a lower directory and its subtree
 * </pre>
 * gives {@code /etc/hostname} (upper), {@code /var/cache/fresh}, {@code /opt/was-a-directory}
 * (the file) and every untouched lower entry with its own xattrs (SELinux labels survive);
 * {@code trusted.overlay.*} is dropped. Directories present in both layers take the upper's mode,
 * owner and time. {@code OverlayfsMergeKernelTest} checks the result against the kernel's own
 * {@code mount -t overlay} of the same two layers.
 * {@link org.stickwright.engine.overlay.MergedFlatLiveImage} applies it to a Fedora flat stick:
 * the lower is the stick's {@code LiveOS/squashfs.img} (ISO 9660 tree or FAT partition), the
 * upper {@code LiveOS/overlay-persistent} on the ext4 persistence partition (hybrid) or
 * {@code /overlayfs} inside the embedded image (extract); the result goes into a rebuilt ISO when
 * the stick carries one, else out as the squashfs alone.
 *
 * <p>The merged tree goes to a {@code SquashfsTreeSink}: our {@code SquashfsWriter}, or
 * {@link org.stickwright.engine.overlay.Tar2SqfsSink}, which streams it as pax tar into
 * squashfs-tools-ng's tar2sqfs. The stream for the example starts
 * <pre>
 * 'x' header  "23 path=./etc/hostname\n" "20 mtime=1700000000\n" "8 uid=0\n" "8 gid=0\n"
 *             "&lt;len&gt; SCHILY.xattr.security.selinux=&lt;label&gt;\n"
 * '0' header  ./etc/hostname, mode 0644, size 12, then 12 bytes padded to 512
 * </pre>
 * and ends with two zero blocks; whiteouts never reach it (the merge has applied them).
 *
 * <h2>Embedded overlayfs images and their names</h2>
 * On FAT dracut keeps overlayfs persistence in an ext4 image file, by default
 * {@code <livedir>/overlay-<LABEL>-<UUID>} with LABEL and UUID of the live partition as blkid
 * reports them (FAT: {@code 1A2B-3C4D}); inside, {@code /overlayfs} is the upper and
 * {@code /ovlwork} the work directory. E.g. a 64 MiB {@code LiveOS/overlay-FEDORA-SWFL-1A2B-3C4D}
 * after one boot: 16384 blocks of 4 KiB, 1291 of them ext4's own (journal, inode tables,
 * bitmaps), so the guest's {@code df /} shows 60372 KiB in total while the offline used figure
 * counts those 5164 KiB too. A store renamed by a relabel is not found at boot; {@code overlay
 * reset} names it after the current label and serial. Growing such an image 64 to 128 MiB
 * ({@link org.stickwright.engine.overlay.FatStoreFile#growExt4}) appends 64 MiB of clusters to
 * its chain (FAT written before the directory entry's new size) and lets
 * {@link org.stickwright.engine.ext.Ext4Grower} extend its one partial block group from 16384 to
 * 32768 blocks: a cleared run in the block bitmap, new counts, the superblock last.
 *
 * <h2>Directory store backups</h2>
 * {@code overlay export} of an overlayfs directory store writes
 * {@link org.stickwright.engine.overlay.OverlayDirectoryTar}'s pax tar inside a bare xz stream:
 * the file starts {@code FD 37 7A 58 5A 00}, where a dm-snapshot export starts with the text
 * {@code STICKWRIGHT-STORE 1}. {@link org.stickwright.engine.overlay.OverlayDirectoryBackup}
 * tells the two apart (the first decompressed 512 bytes must be a tar header whose checksum at
 * byte 148 holds) and checks a backup whole before anything is asked or written;
 * {@link org.stickwright.engine.overlay.OverlayTarReader} walks it entry by entry. E.g. the entry
 * for a whiteout {@code ./gone} is an 'x' header whose records block holds
 * {@code "15 path=./gone\n"} ... then a ustar header with typeflag {@code '3'} at byte 156 and
 * devmajor/devminor {@code "0000000\0"} at 329 and 337: the reader gives
 * {@code Entry("gone", CHAR_DEVICE, ..., deviceMajor 0, deviceMinor 0)}. GNU tar's
 * {@code --xattrs --format=pax} archives read the same way (xattrs as {@code SCHILY.xattr.*}
 * records); {@code --format=gnu} ones too, long names coming as 'L' entries.
 */
package org.stickwright.engine.overlay;
