package org.stickwright.helper;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.overlay.DmSnapshotStore;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.ipc.JobPlan;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.OverlayStick;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;
import org.stickwright.ui.HelperSession;

/**
 * The technician window's overlay operations through the real helper process, on a FAT32 stick
 * holding a kernel-written dm-snapshot store, side by side with {@code stickwright overlay} on a
 * copy of the same stick: the helper's answers equal the CLI's JSON results, its questions are the
 * CLI's confirmation wording, an unconfirmed plan writes nothing, and after every operation
 * inspect sees the same on both sticks.
 */
class OverlayHelperProcessTest {
    private static final Gson GSON = new Gson();

    @TempDir
    Path dir;

    @Test
    void inspectResizeRecoverResetThroughTheHelperEqualTheCommandLine() throws Exception {
        Path stick = OverlayStick.create(dir.resolve("helper.img"));
        Path cliStick = dir.resolve("cli.img");
        Files.copy(stick, cliStick);

        HelperEvent inspected = run(JobPlan.overlay("inspect", stick, null, null, false));
        List<?> stores = (List<?>) inspected.overlay().get("stores");
        assertThat(stores).hasSize(1);
        Map<?, ?> store = (Map<?, ?>) stores.get(0);
        assertThat(store.get("kind")).isEqualTo("dm_snapshot_file");
        assertThat(store.get("path")).isEqualTo(OverlayStick.STORE_PATH);
        assertThat(store.get("state")).isEqualTo("valid");
        assertThat(store.get("dmsetupStatus")).isEqualTo(OverlayStick.STATUS);
        assertThat(stores).isEqualTo(cli("inspect", cliStick.toString()).get("stores"));

        // unconfirmed: the CLI's question, nothing written
        String before = TestImages.sha256(stick);
        HelperEvent question = run(JobPlan.overlay("resize", stick, null, "128M", false));
        assertThat(question.isQuestion()).as(String.valueOf(question)).isTrue();
        Tool.Result unconfirmed = CliProcess.run("overlay", "resize", cliStick.toString(), "--to", "128M", "--json");
        assertThat(unconfirmed.exitCode()).isEqualTo(2);
        assertThat(lastLine(unconfirmed).get("message").toString().replace(cliStick.toString(), stick.toString()))
                .startsWith(question.question());
        assertThat(question.question()).isEqualTo("Resize the dm-snapshot store " + OverlayStick.STORE_PATH + " on "
                + stick + " from 64.0 MiB to 128.0 MiB?");
        assertThat(Files.mismatch(stick, cliStick)).isEqualTo(-1);
        assertThat(TestImages.sha256(stick)).isEqualTo(before);

        HelperEvent resized = run(JobPlan.overlay("resize", stick, null, "128M", true));
        assertThat(resized.overlay()).isEqualTo(cli("resize", cliStick.toString(), "--to", "128M", "--yes"));
        // the FAT's new directory entries carry the time of the resize, so compare what inspect sees
        List<?> grownStores = (List<?>) run(JobPlan.overlay("inspect", stick, null, null, false)).overlay().get("stores");
        assertThat(grownStores).isEqualTo(cli("inspect", cliStick.toString()).get("stores"));
        Map<?, ?> grown = (Map<?, ?>) grownStores.get(0);
        assertThat(grown.get("dmsetupStatus")).isEqualTo("864/262144 16");

        HelperEvent notInvalid = run(JobPlan.overlay("recover", stick, null, null, true));
        assertThat(notInvalid.isError()).isTrue();
        assertThat(notInvalid.code()).isEqualTo(CliProcess.run("overlay", "recover", cliStick.toString(), "--yes").exitCode())
                .isEqualTo(2);

        OverlayStick.invalidate(stick);
        OverlayStick.invalidate(cliStick);
        DmSnapshotStore invalid = OverlayStick.read(stick);
        assertThat(invalid.state()).isEqualTo(DmSnapshotStore.State.INVALID);
        assertThat(run(JobPlan.overlay("recover", stick, null, null, false)).question())
                .isEqualTo("Mark the invalidated store " + OverlayStick.STORE_PATH + " on " + stick
                        + " valid again?");
        HelperEvent recovered = run(JobPlan.overlay("recover", stick, null, null, true));
        assertThat(recovered.overlay()).isEqualTo(cli("recover", cliStick.toString(), "--yes"));
        assertThat(((Number) recovered.overlay().get("exceptions")).intValue()).isEqualTo(106);
        assertThat(OverlayStick.read(stick).state()).isEqualTo(DmSnapshotStore.State.VALID);
        assertThat(OverlayStick.read(stick).dmsetupStatus()).isEqualTo(OverlayStick.read(cliStick).dmsetupStatus())
                .isEqualTo("864/262144 16");

        HelperEvent reset = run(JobPlan.overlay("reset", stick, null, null, true));
        assertThat(reset.overlay()).isEqualTo(cli("reset", cliStick.toString(), "--yes"));
        assertThat(OverlayStick.read(stick).state()).isEqualTo(DmSnapshotStore.State.FRESH);
        assertThat(run(JobPlan.overlay("inspect", stick, null, null, false)).overlay().get("stores"))
                .isEqualTo(cli("inspect", cliStick.toString()).get("stores"));
    }

    @Test
    void anOverlayPlanOnTheSystemDiskIsRefusedBeforeAnythingIsRead() throws Exception {
        HelperEvent refused = run(JobPlan.overlay("reset", Path.of(HelperProcessTest.systemDisk()), null, null, true));
        assertThat(refused.isError()).isTrue();
        assertThat(refused.code()).isEqualTo(3);
    }

    private static HelperEvent run(JobPlan plan) throws Exception {
        return HelperSession.start(CliProcess.command("helper"), plan).finished().get(2, TimeUnit.MINUTES);
    }

    /** {@code stickwright overlay ARGS --json}'s result fields, decoded as the GUI decodes the helper's. */
    private static Map<String, Object> cli(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "overlay";
        System.arraycopy(args, 0, all, 1, args.length);
        all[all.length - 1] = "--json";
        Map<String, Object> result = lastLine(CliProcess.run(all).ok());
        assertThat(result.remove("event")).isEqualTo("result");
        assertThat(result.remove("outcome")).isEqualTo("done");
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lastLine(Tool.Result run) {
        String last = run.stdout().strip().lines().reduce((a, b) -> b).orElseThrow();
        return GSON.fromJson(last, Map.class);
    }

}
