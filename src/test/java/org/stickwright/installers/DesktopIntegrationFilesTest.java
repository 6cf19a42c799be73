package org.stickwright.installers;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The files the installers put on a desktop, checked as they are in the repository by the
 * tools distributions check them with, and against each other: the desktop entry, the AppStream
 * metainfo, the polkit policy and helper launcher, and the icons rendered from the SVG.
 */
@Tag(Tags.ORACLE)
class DesktopIntegrationFilesTest {
    static final Path LINUX = Path.of("installers/linux");
    static final Path DESKTOP = LINUX.resolve("org.stickwright.Stickwright.desktop");
    static final Path METAINFO = LINUX.resolve("org.stickwright.Stickwright.metainfo.xml");
    static final Path POLICY = LINUX.resolve("org.stickwright.helper.policy");
    static final Path HELPER = LINUX.resolve("stickwright-helper");
    static final Path ICONS = Path.of("icons");
    static final String INSTALLED_LAUNCHER = "/opt/stickwright/bin/stickwright";
    static final String INSTALLED_HELPER = "/opt/stickwright/bin/stickwright-helper";
    static final int[] HICOLOR_SIZES = {16, 22, 24, 32, 48, 64, 128, 256, 512};

    @Test
    void desktopEntryPassesDesktopFileValidateWithoutAHint() {
        Capabilities.requireTools("desktop-file-validate");
        Tool.Result result = Tool.run("desktop-file-validate", DESKTOP.toString()).ok();
        assertThat(result.output()).as("desktop-file-validate's remarks").isEmpty();
    }

    @Test
    void metainfoPassesAppstreamValidateAndMatchesTheDesktopEntryAndThePom() throws Exception {
        Capabilities.requireTools("appstreamcli");
        Tool.run("appstreamcli", "validate", "--no-net", "--explain", METAINFO.toString()).ok();

        Document metainfo = parse(METAINFO);
        String id = text(metainfo, "id");
        assertThat(DESKTOP.getFileName().toString()).isEqualTo(id + ".desktop");
        assertThat(text(metainfo, "launchable")).isEqualTo(DESKTOP.getFileName().toString());
        assertThat(text(metainfo, "binary")).isEqualTo(desktopKey("Exec"));
        Element release = (Element) metainfo.getElementsByTagName("release").item(0);
        assertThat(release.getAttribute("version")).as("newest release in the metainfo").isEqualTo(pomVersion());
    }

    @Test
    void desktopEntryStartsTheCommandTheIconThemeAndPackagesProvide() throws IOException {
        assertThat(desktopKey("Exec")).isEqualTo("stickwright");
        assertThat(desktopKey("TryExec")).isEqualTo("stickwright");
        String icon = desktopKey("Icon");
        for (int size : HICOLOR_SIZES) {
            assertThat(ICONS.resolve("hicolor/" + size + "x" + size + "/apps/" + icon + ".png")).isRegularFile();
        }
    }

    @Test
    void polkitPolicyFollowsTheDtdAndCoversExactlyTheInstalledHelper() throws Exception {
        Capabilities.requireTools("xmllint");
        Path dtd = Path.of("/usr/share/polkit-1/policyconfig-1.dtd");
        Capabilities.require(Files.isRegularFile(dtd), "polkit's DTD " + dtd + " is missing (Debian package polkitd)");
        Tool.run("xmllint", "--noout", "--dtdvalid", dtd.toString(), POLICY.toString()).ok();

        Document policy = parse(POLICY);
        assertThat(policy.getElementsByTagName("action").getLength()).isEqualTo(1);
        Element action = (Element) policy.getElementsByTagName("action").item(0);
        assertThat(action.getAttribute("id")).isEqualTo("org.stickwright.helper");
        assertThat(text(policy, "allow_active")).isEqualTo("auth_admin_keep");
        assertThat(text(policy, "allow_any")).isEqualTo("auth_admin");
        Element annotate = (Element) policy.getElementsByTagName("annotate").item(0);
        assertThat(annotate.getAttribute("key")).isEqualTo("org.freedesktop.policykit.exec.path");
        assertThat(annotate.getTextContent()).isEqualTo(INSTALLED_HELPER);

        // The helper is the application's launcher in helper mode, whatever arguments follow.
        assertThat(Files.isExecutable(HELPER)).isTrue();
        assertThat(Files.readAllLines(HELPER)).contains("exec " + INSTALLED_LAUNCHER + " helper \"$@\"");
    }

    @Test
    void iconsAreWhatRenderShMakesFromTheSvg(@TempDir Path rendered) throws IOException {
        Capabilities.requireTools("rsvg-convert", "icotool");
        Tool.run("icons/render.sh", rendered.toString()).ok();
        List<Path> committed = new ArrayList<>();
        for (int size : HICOLOR_SIZES) {
            committed.add(Path.of("hicolor/" + size + "x" + size + "/apps/stickwright.png"));
        }
        committed.add(Path.of("stickwright-256.png"));
        committed.add(Path.of("stickwright.ico"));
        for (Path file : committed) {
            assertThat(Files.readAllBytes(ICONS.resolve(file)))
                    .as("%s is stale: run icons/render.sh and commit what it renders", file)
                    .isEqualTo(Files.readAllBytes(rendered.resolve(file)));
        }
        try (Stream<Path> files = Files.walk(ICONS.resolve("hicolor"))) {
            assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(HICOLOR_SIZES.length);
        }
    }

    @Test
    void everyPngHasItsNominalSize() throws IOException {
        for (int size : HICOLOR_SIZES) {
            BufferedImage image = ImageIO.read(ICONS.resolve("hicolor/" + size + "x" + size + "/apps/stickwright.png").toFile());
            assertThat(image.getWidth()).isEqualTo(size);
            assertThat(image.getHeight()).isEqualTo(size);
            assertThat(image.getColorModel().hasAlpha()).isTrue();
        }
        assertThat(Files.readAllBytes(ICONS.resolve("stickwright-256.png")))
                .isEqualTo(Files.readAllBytes(ICONS.resolve("hicolor/256x256/apps/stickwright.png")));
    }

    /**
     * An .ico is a 6-byte header (0, type 1, count) and a 16-byte entry per image: width and
     * height in one byte each (0 meaning 256), colours, reserved, planes, bit count, byte size,
     * offset. Windows picks the entry nearest the size it draws.
     */
    @Test
    void icoHoldsEverySizeWindowsDrawsAndItsLargestIsThePng() throws IOException {
        ByteBuffer ico = ByteBuffer.wrap(Files.readAllBytes(ICONS.resolve("stickwright.ico"))).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(ico.getShort(0)).isZero();
        assertThat(ico.getShort(2)).isEqualTo((short) 1);
        int count = ico.getShort(4);
        TreeSet<Integer> sizes = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            int entry = 6 + 16 * i;
            int width = Byte.toUnsignedInt(ico.get(entry)) == 0 ? 256 : Byte.toUnsignedInt(ico.get(entry));
            int height = Byte.toUnsignedInt(ico.get(entry + 1)) == 0 ? 256 : Byte.toUnsignedInt(ico.get(entry + 1));
            assertThat(height).isEqualTo(width);
            assertThat(ico.getShort(entry + 6)).as("bits per pixel of %d px", width).isEqualTo((short) 32);
            long length = Integer.toUnsignedLong(ico.getInt(entry + 8));
            long offset = Integer.toUnsignedLong(ico.getInt(entry + 12));
            assertThat(offset + length).isLessThanOrEqualTo(ico.capacity());
            if (width == 256) {
                byte[] png = new byte[(int) length];
                ico.get((int) offset, png);
                assertThat(png).isEqualTo(Files.readAllBytes(ICONS.resolve("stickwright-256.png")));
            }
            sizes.add(width);
        }
        assertThat(sizes).containsExactly(16, 24, 32, 48, 64, 128, 256);
    }

    static String pomVersion() throws IOException {
        Matcher version = Pattern.compile("(?m)^  <version>([^<]+)</version>$")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(version.find()).isTrue();
        return version.group(1).replace("-SNAPSHOT", "");
    }

    static String desktopKey(String key) throws IOException {
        return Files.readAllLines(DESKTOP, StandardCharsets.UTF_8).stream()
                .filter(line -> line.startsWith(key + "="))
                .map(line -> line.substring(key.length() + 1))
                .findFirst().orElseThrow(() -> new AssertionError(DESKTOP + " has no " + key));
    }

    static Document parse(Path xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        // The policy names polkit's DTD by URL: never fetch it, xmllint validates against the local copy.
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return factory.newDocumentBuilder().parse(xml.toFile());
    }

    static String text(Document document, String tag) {
        assertThat(document.getElementsByTagName(tag).getLength()).as("<%s> elements", tag).isPositive();
        return document.getElementsByTagName(tag).item(0).getTextContent().trim();
    }
}
