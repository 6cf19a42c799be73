package org.stickwright.engine.job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;

/**
 * Benchmark (not a test): {@code create --mode hybrid} of one ISO onto a sparse image file with
 * 256 MiB and with 16 GiB of persistence (no data partition, so only the store's size differs),
 * plan + write + verify, best of three interleaved rounds. The claim it checks: the time is the
 * ISO write plus a constant, because ext4 is formatted metadata-only.
 * <pre>
 * mvn -B -q test-compile
 * java -cp "$(cat target/test-classpath.txt)" org.stickwright.engine.job.HybridCreateBenchmark ISO [workdir]
 * </pre>
 * (class path as for {@link IsoExtractBenchmark}).
 */
public final class HybridCreateBenchmark {
    private HybridCreateBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path iso = Path.of(args[0]);
        Path work = Files.createDirectories(Path.of(args.length > 1 ? args[1] : "/var/tmp/stickwright-hybrid-bench"));
        long[] persistence = {256L << 20, 16L << 30};
        long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
        long[] written = new long[2];
        List<String> rounds = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < persistence.length; i++) {
                Path stick = work.resolve("stick-" + i + ".img");
                Files.deleteIfExists(stick);
                long size = Files.size(iso) + persistence[i] + (64L << 20);
                CreateRequest request = CreateRequest.hybrid(iso, persistence[i])
                        .withDataFs(CreateRequest.DataFs.NONE).withSeed(1);
                long start = System.nanoTime();
                CreateJob job = CreateJob.of(request, new Progress(), new Cancellation());
                CreatePlan plan = job.plan(size, 512);
                CreateJob.Created created;
                try (ImageFile target = ImageFile.create(stick, size)) {
                    created = job.write(plan, target);
                }
                try (ImageFile readBack = ImageFile.openReadOnlyDirect(stick)) {
                    job.verify(created, readBack);
                }
                long nanos = System.nanoTime() - start;
                best[i] = Math.min(best[i], nanos);
                written[i] = created.bytesWritten();
                rounds.add(String.format("round %d, persistence %s: %.3f s", round + 1, Sizes.human(persistence[i]),
                        nanos / 1e9));
                Files.delete(stick);
            }
        }
        rounds.forEach(System.out::println);
        System.out.printf("ISO %s (%s)%n", iso.getFileName(), Sizes.human(Files.size(iso)));
        for (int i = 0; i < persistence.length; i++) {
            System.out.printf("persistence %-10s best %.3f s, %d bytes written (%d beyond the ISO file's size)%n",
                    Sizes.human(persistence[i]), best[i] / 1e9, written[i], written[i] - Files.size(iso));
        }
        System.out.printf("16 GiB vs 256 MiB: %+.1f %%%n", 100.0 * (best[1] - best[0]) / best[0]);
    }
}
