/**
 * Jobs: whole operations on a stick that front ends start, watch through
 * {@link org.stickwright.engine.io.Progress} and stop through
 * {@link org.stickwright.engine.io.Cancellation}. Every job ends in one
 * {@link org.stickwright.engine.job.Outcome}, which is also the command line's exit code.
 *
 * <h2>Worked example: writing a 4 GiB image with a bmap</h2>
 * {@code bmaptool create} describes an image of 1 048 576 blocks of 4096 bytes of which 104 858
 * hold data:
 * <pre>
 *   &lt;Range chksum="9a0c…"&gt; 0-255 &lt;/Range&gt;        bytes 0 .. 1 048 575
 *   &lt;Range chksum="41d2…"&gt; 262144-294911 &lt;/Range&gt;  bytes 1 GiB .. 1 GiB + 128 MiB - 1
 * </pre>
 * {@link org.stickwright.engine.job.WriteJob} turns each range into chunks of at most 4 MiB
 * (range 2 becomes 32 chunks). The reader thread fills a chunk, the hasher thread takes its
 * SHA-256 and feeds the range's own digest, and the writing thread writes it at its offset;
 * six buffers circulate, so memory stays at 24 MiB. When the last chunk of range 2 has passed,
 * the range's digest must equal {@code 41d2…}, else the image is damaged and the job stops.
 * Blocks outside the ranges are never read, written or verified. Verification then reads the
 * 33 chunks back around the page cache and compares each with the SHA-256 taken while writing;
 * on a mismatch the image is read again to name the exact first differing byte.
 *
 *
 * <h2>Worked example: a hybrid stick from the Debian fixture</h2>
 * {@code create debian-live.iso stick.img --size 512M --persistence 256M} (an isohybrid-MBR ISO
 * of 37 748 736 bytes: MBR entry 1 type 0x00 from sector 64, entry 2 type 0xEF at sector 284).
 * {@link org.stickwright.engine.job.HybridJob#plan} opens a
 * {@link org.stickwright.engine.io.CopyOnWriteDevice} of 536 870 912 bytes over the ISO file and
 * makes every small edit there: {@code /isolinux/live.cfg} and {@code /boot/grub/grub.cfg} grow by
 * their "(persistent)" copy of the default entry inside their last 2048-byte block (IsoPatcher
 * rewrites the data length in the primary and the Joliet record); the stale GPT headers at
 * sector 1 and in the ISO's last sector become zeros; MBR entry 3 (bytes 478-493 of sector 0) gets
 * type 0x83, first LBA {@code 00 20 01 00} = 73 728 = MiB 36 (the ISO is exactly 36 MiB, so the
 * next MiB boundary is its end) and {@code 00 00 08 00} = 524 288 sectors = 256 MiB; entry 4 the
 * FAT32 data partition (0x0C) up to the last whole MiB before the 33 sectors a backup GPT would
 * need. Those few dozen edited sectors are the plan.
 * {@link org.stickwright.engine.job.HybridJob#write} copies the ISO with WriteJob's pipeline,
 * replays the sectors, formats entry 3 as ext4 "persistence" holding {@code persistence.conf} =
 * {@code / union} and entry 4 as FAT32 "STICKDATA", each through a recorder of the 4 KiB blocks it
 * touches, then hashes those runs; verify compares the ISO's range with the file outside the runs
 * and each run with its hash.
 *
 * <p>A job that fails after writing anything zeroes the first and last MiB of what it wrote:
 * MBR, both GPT headers and the ISO 9660 descriptors are gone, so no firmware or OS takes the
 * half-written stick for a good one.
 */
package org.stickwright.engine.job;
