package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import picocli.CommandLine;

/** The options of {@code create} become one request; every mistake names its option and is exit 2. */
class CreateCommandTest {
    private static CreateRequest parse(String... args) throws JobException {
        CreateCommand command = new CreateCommand();
        new CommandLine(command).parseArgs(args);
        return command.request();
    }

    @Test
    void optionsBecomeTheRequest() throws JobException {
        CreateRequest request = parse("live.iso", "stick.img", "--mode", "EXTRACT", "--persistence", "1.5G", "--home",
                "256M", "--profile", "work=2G", "--profile", "play=512M", "--label", "LIVE", "--data-fs", "none",
                "--gpt", "--no-verify", "--seed", "9");
        assertThat(request.image()).isEqualTo(Path.of("live.iso"));
        assertThat(request.mode()).isEqualTo(CreateRequest.Mode.EXTRACT);
        assertThat(request.persistence()).isEqualTo(3L << 29);
        assertThat(request.home()).isEqualTo(256L << 20);
        assertThat(request.profiles()).containsExactly(new CreateRequest.Profile("work", 2L << 30),
                new CreateRequest.Profile("play", 512L << 20));
        assertThat(request.dataFs()).isEqualTo(CreateRequest.DataFs.NONE);
        assertThat(request.gpt()).isTrue();
        assertThat(request.verify()).isFalse();
        assertThat(request.seed()).hasValue(9);
    }

    @Test
    void defaultsAreHybridWithAFatDataPartitionAndVerification() throws JobException {
        CreateRequest request = parse("live.iso", "stick.img", "--persistence", "4G");
        assertThat(request.mode()).isEqualTo(CreateRequest.Mode.HYBRID);
        assertThat(request.dataFs()).isEqualTo(CreateRequest.DataFs.FAT32);
        assertThat(request.verify()).isTrue();
        assertThat(request.profiles()).isEqualTo(List.of());
        assertThat(request.seed()).isEmpty();
    }

    @Test
    void mistakesNameTheOptionAndAreBadInput() {
        for (String[] args : List.of(new String[] {"--mode", "raw"}, new String[] {"--data-fs", "ntfs"},
                new String[] {"--persistence", "lots"}, new String[] {"--profile", "work"},
                new String[] {"--profile", "work=huge"})) {
            String[] full = new String[args.length + 2];
            full[0] = "live.iso";
            full[1] = "stick.img";
            System.arraycopy(args, 0, full, 2, args.length);
            assertThatThrownBy(() -> parse(full)).isInstanceOf(JobException.class)
                    .hasMessageStartingWith(args[0])
                    .satisfies(e -> assertThat(((JobException) e).outcome()).isEqualTo(Outcome.BAD_INPUT));
        }
    }
}
