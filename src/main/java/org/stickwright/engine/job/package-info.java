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
 * <p>A job that fails after writing anything zeroes the first and last MiB of what it wrote:
 * MBR, both GPT headers and the ISO 9660 descriptors are gone, so no firmware or OS takes the
 * half-written stick for a good one.
 */
package org.stickwright.engine.job;
