package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.platform.linux.RootDisk;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** {@code list} as a separate JVM on the real machine: stdout, exit code, OSHI and JNA loaded for real. */
class ListCommandProcessTest {
    private static Tool.Result list(String... args) {
        List<String> command = new ArrayList<>(List.of("list"));
        command.addAll(List.of(args));
        return CliProcess.run(120, command.toArray(String[]::new));
    }

    private static List<JsonObject> json(Tool.Result result) {
        return result.stdout().lines().map(line -> JsonParser.parseString(line).getAsJsonObject()).toList();
    }

    @Test
    @Tag(Tags.ROOT)
    @Tag(Tags.LOOP)
    void aLoopDeviceAppearsOnlyWithAllAndTheSystemDiskOnlyMarkedUnwritable(@TempDir Path dir) throws IOException {
        String rootDisk = RootDisk.path();
        Capabilities.require(rootDisk != null, "/ is not on a block device here (overlay or tmpfs root)");
        Path image = dir.resolve("loop.img");
        ImageFile.create(image, 32L << 20).close();
        try (LoopDevice loop = LoopDevice.attach(image)) {
            Tool.Result plain = list().ok();
            assertThat(plain.stdout()).doesNotContain(loop.device().toString()).doesNotContain(rootDisk + " ");

            Tool.Result all = list("--all").ok();
            assertThat(all.stdout()).contains(loop.device() + " ").contains("[loop]")
                    .contains("system disk — never writable: it holds the root filesystem /");

            List<JsonObject> events = json(list("--all", "--json").ok());
            assertThat(events.get(events.size() - 1).get("event").getAsString()).isEqualTo("result");
            JsonObject system = events.stream().filter(e -> e.get("path").getAsString().equals(rootDisk)).findFirst()
                    .orElseThrow();
            assertThat(system.get("system").getAsBoolean()).isTrue();
            assertThat(system.get("writable").getAsBoolean()).isFalse();
            JsonObject loopEvent = events.stream()
                    .filter(e -> e.has("path") && e.get("path").getAsString().equals(loop.device().toString()))
                    .findFirst().orElseThrow();
            assertThat(loopEvent.get("loop").getAsBoolean()).isTrue();
            assertThat(loopEvent.get("size").getAsLong()).isEqualTo(32L << 20);
            assertThat(Files.exists(image)).isTrue();
        }
    }

    @Test
    void jsonOutputIsOnlyJsonLinesEndingWithTheResult() {
        Tool.Result result = list("--json").ok();
        List<JsonObject> events = json(result);
        assertThat(events).isNotEmpty();
        assertThat(events.get(events.size() - 1).get("event").getAsString()).isEqualTo("result");
        events.subList(0, events.size() - 1).forEach(e -> assertThat(e.get("event").getAsString()).isEqualTo("drive"));
    }
}
