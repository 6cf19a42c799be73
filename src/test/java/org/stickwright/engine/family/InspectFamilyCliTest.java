package org.stickwright.engine.family;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** {@code stickwright inspect} prints the family facts, run as its own process as a user runs it. */
@Tag(Tags.ORACLE)
class InspectFamilyCliTest {
    private static final Path GRUB_RESCUE = Path.of("/usr/lib/grub-rescue/grub-rescue-cdrom.iso");
    @TempDir
    Path dir;

    private static JsonObject inspect(Path image) {
        Tool.Result result = CliProcess.run("inspect", image.toString(), "--json");
        assertThat(result.exitCode()).as(result.output()).isZero();
        return JsonParser.parseString(result.stdout().strip()).getAsJsonObject();
    }

    private static List<String> strings(JsonArray array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonElement::getAsString).toList();
    }

    @Test
    void aFedoraIsoGetsAFamilyObjectAndThePersistenceModes() throws IOException {
        Capabilities.requireTools(LiveIsoFixtures.TOOLS);
        Path iso = new LiveIsoFixtures(dir).fedoraFlat();
        JsonObject result = inspect(iso);
        assertThat(result.get("event").getAsString()).isEqualTo("result");
        assertThat(result.get("format").getAsString()).isEqualTo("iso9660");
        assertThat(result.get("label").getAsString()).isEqualTo(LiveIsoFixtures.FEDORA_LABEL);
        assertThat(result.get("hybrid").getAsBoolean()).isTrue();
        assertThat(strings(result.getAsJsonArray("modes"))).containsExactly("raw", "hybrid", "extract");

        JsonObject family = result.getAsJsonObject("family");
        assertThat(family.get("family").getAsString()).isEqualTo("FEDORA_DRACUT");
        assertThat(family.get("known").getAsBoolean()).isTrue();
        assertThat(family.get("volumeLabel").getAsString()).isEqualTo(LiveIsoFixtures.FEDORA_LABEL);
        assertThat(strings(family.getAsJsonArray("referencedLabels"))).containsExactly(LiveIsoFixtures.FEDORA_LABEL);
        assertThat(family.get("rootImage").getAsString()).isEqualTo("/LiveOS/squashfs.img");
        assertThat(family.get("rootImageLayout").getAsString()).isEqualTo("FLAT_SQUASHFS");
        assertThat(strings(family.getAsJsonArray("overlayKinds")))
                .containsExactly("OVERLAYFS_DIRECTORY", "OVERLAYFS_EMBEDDED_IMAGE");
        String lba = Tool.run("xorriso", "-indev", iso.toString(), "-find", "/images/efiboot.img", "-exec",
                "report_lba", "--").ok().output();
        var m = java.util.regex.Pattern.compile("File data lba:\\s+0\\s*,\\s*(\\d+)").matcher(lba);
        assertThat(m.find()).as(lba).isTrue();
        JsonObject efi = family.getAsJsonObject("efiImage");
        assertThat(efi.get("path").getAsString()).isEqualTo("/images/efiboot.img");
        assertThat(efi.get("offset").getAsLong()).isEqualTo(Long.parseLong(m.group(1)) * 2048);
        assertThat(efi.get("length").getAsLong()).isEqualTo(1_474_560L);

        JsonArray configs = family.getAsJsonArray("bootConfigs");
        assertThat(StreamSupport.stream(configs.spliterator(), false)
                .map(c -> c.getAsJsonObject().get("location").getAsString()))
                .containsExactly("/EFI/BOOT/grub.cfg", "/isolinux/isolinux.cfg",
                        "inside EFI image /images/efiboot.img: /EFI/BOOT/grub.cfg");
        JsonObject isolinux = configs.get(1).getAsJsonObject();
        assertThat(isolinux.get("loader").getAsString()).isEqualTo("SYSLINUX");
        assertThat(strings(isolinux.getAsJsonArray("firmware"))).containsExactly("BIOS");
        JsonObject first = isolinux.getAsJsonArray("kernelLines").get(0).getAsJsonObject();
        assertThat(first.get("kernel").getAsString()).isEqualTo("vmlinuz");
        assertThat(first.get("options").getAsString())
                .isEqualTo("initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-40-1-14 rd.live.image quiet rhgb");
        JsonObject inside = configs.get(2).getAsJsonObject();
        assertThat(inside.get("read").getAsBoolean()).isTrue();
        assertThat(inside.getAsJsonArray("kernelLines").get(0).getAsJsonObject().get("options").getAsString())
                .contains("root=live:CDLABEL=Fedora-WS-Live-40-1-14");
        JsonObject persistence = family.getAsJsonObject("persistence");
        assertThat(persistence.get("supported").getAsBoolean()).isTrue();
        assertThat(persistence.get("home").getAsBoolean()).isTrue();
        assertThat(persistence.get("profiles").getAsBoolean()).isTrue();
        assertThat(persistence.get("explanation").getAsString()).contains("rd.live.overlay=");

        Tool.Result human = CliProcess.run("inspect", iso.toString());
        assertThat(human.exitCode()).as(human.output()).isZero();
        assertThat(human.stdout())
                .contains("Family:       Fedora / dracut dmsquash-live (/LiveOS/squashfs.img, "
                        + "root=live:CDLABEL= in /EFI/BOOT/grub.cfg)")
                .contains("Root image:   /LiveOS/squashfs.img (flat squashfs)")
                .contains("inside EFI image /images/efiboot.img: /EFI/BOOT/grub.cfg")
                .doesNotContain("(not read)")
                .contains("Persistence:  supported by family Fedora / dracut dmsquash-live (hybrid mode)");
    }

    @Test
    void anUnknownIsoKeepsOnlyTheRawModeAndSaysWhy() throws IOException {
        Capabilities.require(Files.exists(GRUB_RESCUE), "package grub-rescue-pc is not installed");
        JsonObject result = inspect(GRUB_RESCUE);
        assertThat(strings(result.getAsJsonArray("modes"))).containsExactly("raw");
        JsonObject family = result.getAsJsonObject("family");
        assertThat(family.get("family").getAsString()).isEqualTo("UNKNOWN");
        assertThat(family.get("known").getAsBoolean()).isFalse();
        assertThat(family.get("volumeLabel").getAsString()).isEqualTo(result.get("label").getAsString());
        assertThat(family.getAsJsonObject("persistence").get("supported").getAsBoolean()).isFalse();
        Tool.Result human = CliProcess.run("inspect", GRUB_RESCUE.toString());
        assertThat(human.stdout()).contains("Persistence:  not supported: the live-system family is unknown");
    }

    @Test
    void aCorruptRootImageIsReportedAndTheRestOfInspectStillPrinted() throws IOException {
        Capabilities.requireTools("xorriso", "mksquashfs");
        JsonObject result = inspect(new LiveIsoFixtures(dir).fedoraCorruptSquashfs());
        assertThat(result.get("label").getAsString()).isEqualTo("BROKEN");
        assertThat(result.get("family").isJsonNull()).isTrue();
        assertThat(result.get("familyError").getAsString()).contains("at byte");
        assertThat(strings(result.getAsJsonArray("modes"))).containsExactly("raw");
    }
}
