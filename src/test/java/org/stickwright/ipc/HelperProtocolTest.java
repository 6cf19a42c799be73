package org.stickwright.ipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;

class HelperProtocolTest {

    @Property(tries = 200)
    void aCreatePlanSurvivesTheWireUnchanged(@ForAll @LongRange(min = 0, max = 1L << 40) long persistence,
            @ForAll @LongRange(min = 0, max = 1L << 40) long home, @ForAll @AlphaChars @StringLength(min = 1, max = 32) String profile,
            @ForAll @LongRange(min = 1, max = 1L << 36) long profileSize, @ForAll long seed, @ForAll boolean gpt,
            @ForAll CreateRequest.Mode mode, @ForAll CreateRequest.DataFs dataFs) throws ProtocolException {
        CreateRequest request = new CreateRequest(Path.of("/isos/live ä.iso"), mode, persistence, home,
                List.of(new CreateRequest.Profile(profile, profileSize)), null, dataFs, gpt, false, null, true, OptionalLong.of(seed));
        String line = HelperProtocol.encode(JobPlan.create(request, Path.of("/dev/sdz"), -1, true));
        assertThat(line).doesNotContain("\n");
        JobPlan decoded = HelperProtocol.decodePlan(line);
        assertThat(decoded.toRequest()).isEqualTo(request);
        assertThat(decoded.target()).isEqualTo("/dev/sdz");
        assertThat(decoded.unmount()).isTrue();
        assertThat(decoded.allowFixedDisk()).isFalse();
    }

    @Test
    void aWritePlanSurvivesTheWire() throws ProtocolException {
        JobPlan plan = JobPlan.write(Path.of("/a.iso"), Path.of("/b.img"), 1 << 30, false, false);
        assertThat(HelperProtocol.decodePlan(HelperProtocol.encode(plan))).isEqualTo(plan);
    }

    @Test
    void anotherVersionIsRefusedBeforeAnythingElseIsRead() {
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":2,\"operation\":\"write\",\"image\":\"/a\",\"target\":\"/b\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("version 2 is not supported");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"operation\":\"write\",\"image\":\"/a\",\"target\":\"/b\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("no version");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":\"1\",\"operation\":\"write\",\"image\":\"/a\",\"target\":\"/b\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("no version");
        assertThatThrownBy(() -> HelperProtocol.decodeEvent("{\"version\":1.5,\"event\":\"progress\"}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("1.5");
    }

    @Test
    void malformedPlansAreRefusedWithTheReason() {
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":1,\"operation\":\"format\",\"image\":\"/a\",\"target\":\"/b\"}"))
                .hasMessageContaining("unknown operation: format");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":1,\"operation\":\"write\",\"target\":\"/b\"}"))
                .hasMessageContaining("names an image");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":1,\"operation\":\"inspect\"}"))
                .hasMessageContaining("names a target");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":1,\"operation\":\"write\",\"image\":\"/a\",\"target\":\"/b\",\"createSize\":\"big\"}"))
                .hasMessageContaining("wrong type");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("[1,2]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":1,")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> HelperProtocol.decodePlan(null)).hasMessageContaining("ended before a message");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("\"" + "x".repeat(HelperProtocol.MAX_LINE) + "\""))
                .hasMessageContaining("longer than any message");
    }

    @Test
    void createFieldsAreCheckedAgainOnTheHelperSide() throws ProtocolException {
        String base = "{\"version\":1,\"operation\":\"create\",\"image\":\"/a.iso\",\"target\":\"/b\",\"create\":";
        assertThatThrownBy(() -> HelperProtocol.decodePlan(base + "{\"mode\":\"sideways\"}}").toRequest())
                .hasMessageContaining("unknown mode: sideways");
        assertThatThrownBy(() -> HelperProtocol.decodePlan(base + "{\"mode\":\"hybrid\",\"persistence\":-5}}").toRequest())
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> HelperProtocol.decodePlan(base + "{\"mode\":\"hybrid\",\"profiles\":[{\"name\":\"../x\",\"size\":1}]}}").toRequest())
                .hasMessageContaining("profile name");
        assertThatThrownBy(() -> HelperProtocol.decodePlan("{\"version\":1,\"operation\":\"create\",\"image\":\"/a\",\"target\":\"/b\"}").toRequest())
                .hasMessageContaining("\"create\" object");
        CreateRequest minimal = HelperProtocol.decodePlan(base + "{\"mode\":\"EXTRACT\"}}").toRequest();
        assertThat(minimal.mode()).isEqualTo(CreateRequest.Mode.EXTRACT);
        assertThat(minimal.dataFs()).isEqualTo(CreateRequest.DataFs.FAT32);
        assertThat(minimal.seed()).isEmpty();
    }

    @Test
    void eventsCarryTheContractsCodesAndOnlyTheirOwnFields() throws ProtocolException {
        Progress progress = new Progress();
        progress.startPhase("writing", 1000);
        progress.add(250);
        HelperEvent decoded = HelperProtocol.decodeEvent(HelperProtocol.encode(HelperEvent.progress(progress)));
        assertThat(decoded.isProgress()).isTrue();
        assertThat(decoded.fraction()).isEqualTo(0.25);
        assertThat(HelperProtocol.encode(HelperEvent.progress(progress))).doesNotContain("message", "code");
        HelperEvent error = HelperProtocol.decodeEvent(HelperProtocol.encode(
                HelperEvent.error(new JobException(Outcome.CANCELLED, "cancelled while writing"))));
        assertThat(error.isFinal()).isTrue();
        assertThat(error.code()).isEqualTo(130);
        assertThat(error.outcome()).isEqualTo("cancelled");
        assertThatThrownBy(() -> HelperProtocol.decodeEvent("{\"version\":1,\"event\":\"telemetry\"}"))
                .hasMessageContaining("unknown event");
    }

    @Test
    void onlyTheCancelCommandCancels() {
        assertThat(HelperProtocol.isCancel(HelperProtocol.cancelLine())).isTrue();
        assertThat(HelperProtocol.isCancel("{\"version\":1,\"command\":\"go\"}")).isFalse();
        assertThat(HelperProtocol.isCancel("{\"version\":9,\"command\":\"cancel\"}")).isFalse();
        assertThat(HelperProtocol.isCancel("cancel")).isFalse();
    }

    @Test
    void overlayPlansRoundTripAndAPlanWrittenBeforeThemStillDecodes() throws Exception {
        JobPlan resize = JobPlan.overlay("resize", Path.of("/dev/sdz"), "overlay-LIVE-1", "2G", true);
        JobPlan decoded = HelperProtocol.decodePlan(HelperProtocol.encode(resize));
        assertThat(decoded).isEqualTo(resize);
        assertThat(decoded.overlayOperation()).isEqualTo("resize");
        JobPlan old = HelperProtocol.decodePlan("{\"version\":1,\"operation\":\"inspect\",\"target\":\"/dev/sdz\"}");
        assertThat(old.overlayOperation()).isNull();
        assertThat(old.confirmed()).isFalse();
        assertThatThrownBy(() -> HelperProtocol.decodePlan(
                "{\"version\":1,\"operation\":\"overlay-export\",\"target\":\"/dev/sdz\"}"))
                .hasMessageContaining("names its argument");
        assertThatThrownBy(() -> HelperProtocol.decodePlan(
                "{\"version\":1,\"operation\":\"overlay-format\",\"target\":\"/dev/sdz\"}"))
                .hasMessageContaining("unknown operation: overlay-format");
        assertThatThrownBy(() -> HelperProtocol.decodePlan(
                "{\"version\":2,\"operation\":\"overlay-reset\",\"target\":\"/dev/sdz\"}"))
                .hasMessageContaining("not supported");
        HelperEvent question = HelperProtocol.decodeEvent(HelperProtocol.encode(HelperEvent.overlay("Reset?", null, "Reset?")));
        assertThat(question.isQuestion()).isTrue();
        assertThat(question.outcome()).isEqualTo(HelperEvent.QUESTION);
    }
}
