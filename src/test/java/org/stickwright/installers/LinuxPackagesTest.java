package org.stickwright.installers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * Builds the .deb and the .rpm with the documented script, installs the .deb on this machine
 * with apt-get, runs what it installed (command line and, under Xvfb, the wizard), removes it
 * again and checks that nothing of it is left; reads the .rpm's file list and requirements and
 * runs its payload. Sizes and timings are printed for the record.
 */
@Tag(Tags.PACKAGE)
@Tag(Tags.ROOT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinuxPackagesTest {
    private static final Path OUT = Path.of("target/installers-test").toAbsolutePath();
    private static final long SIZE_LIMIT = 80L * 1024 * 1024;
    private static final String APT_LOCK_WAIT = "DPkg::Lock::Timeout=900";
    /** Where anything the package installed, or its maintainer scripts made, would be. */
    private static final List<String> PLACES = List.of("/opt", "/usr/bin", "/usr/share/applications",
            "/usr/share/metainfo", "/usr/share/polkit-1/actions", "/usr/share/icons/hicolor", "/usr/share/doc",
            "/var/lib/dpkg/info");

    private String version;
    private Path deb;
    private Path rpm;

    @BeforeAll
    void buildPackages() throws IOException {
        Capabilities.requireRoot();
        Capabilities.requireTools("mvn", "jpackage", "jlink", "jdeps", "fakeroot", "dpkg-deb", "rpmbuild", "rpm",
                "rpm2cpio", "cpio", "apt-get", "desktop-file-validate", "appstreamcli", "xmllint", "xvfb-run",
                "xwininfo", "import", "convert");
        version = DesktopIntegrationFilesTest.pomVersion();
        long start = System.nanoTime();
        Tool.run(null, 1800, List.of("installers/linux/build-packages.sh", "--skip-build", "--dest", OUT.toString())).ok();
        System.out.printf("build-packages.sh took %d s%n", (System.nanoTime() - start) / 1_000_000_000L);
        deb = OUT.resolve("stickwright_" + version + "-1_amd64.deb");
        rpm = OUT.resolve("stickwright-" + version + "-1.x86_64.rpm");
        System.out.printf(".deb %,d bytes, .rpm %,d bytes%n", Files.size(deb), Files.size(rpm));
    }

    @Test
    void packagesStayUnderTheSizeLimit() throws IOException {
        assertThat(Files.size(deb)).isLessThan(SIZE_LIMIT);
        assertThat(Files.size(rpm)).isLessThan(SIZE_LIMIT);
    }

    @Test
    void debInstallsRunsAndLeavesNothingBehindWhenPurged() throws Exception {
        purgeIfInstalled();
        List<String> contents = debContents();
        Set<String> existedBefore = contents.stream().filter(path -> Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(existedBefore).as("package files present before installing").allMatch(path -> Files.isDirectory(Path.of(path)));
        Set<String> strayBefore = stickwrightNamedPaths();
        try {
            Tool.run(null, 1200, List.of("apt-get", "-o", APT_LOCK_WAIT, "install", "-y", "--no-install-recommends",
                    deb.toString())).ok();
            checkInstalledFiles();
            checkCommandLine();
            checkWizardOrItsAbsence();
            String installedKib = Tool.run("dpkg-query", "-W", "-f=${Installed-Size}", "stickwright").ok().stdout();
            System.out.printf("installed size %s KiB%n", installedKib);
        } finally {
            purgeIfInstalled();
        }
        assertThat(Tool.run("dpkg-query", "-W", "-f=${Status}", "stickwright").stdout()).doesNotContain("installed");
        for (String path : contents) {
            if (!existedBefore.contains(path)) {
                assertThat(Path.of(path)).as("left behind by the purge").doesNotExist();
            }
        }
        assertThat(stickwrightNamedPaths()).as("files named after stickwright after the purge").isEqualTo(strayBefore);
    }

    @Test
    void rpmListsExactlyItsOwnFilesAndNeedsOnlyLibrariesItDoesNotBring() throws IOException {
        Set<String> files = new TreeSet<>(lines(Tool.run("rpm", "-qpl", rpm.toString()).ok().stdout()));
        assertThat(files).contains("/opt/stickwright", "/opt/stickwright/bin/stickwright",
                "/opt/stickwright/bin/stickwright-helper", "/opt/stickwright/lib/runtime/lib/server/libjvm.so",
                "/opt/stickwright/lib/runtime/lib/libglassgtk3.so", "/opt/stickwright/lib/app/stickwright-" + version + ".jar",
                "/usr/bin/stickwright", "/usr/share/applications/org.stickwright.Stickwright.desktop",
                "/usr/share/metainfo/org.stickwright.Stickwright.metainfo.xml",
                "/usr/share/polkit-1/actions/org.stickwright.helper.policy", "/usr/share/licenses/stickwright/LICENSE");
        for (int size : DesktopIntegrationFilesTest.HICOLOR_SIZES) {
            assertThat(files).contains("/usr/share/icons/hicolor/" + size + "x" + size + "/apps/stickwright.png");
        }
        // Directories of the distribution are not claimed.
        assertThat(files).doesNotContain("/opt", "/usr", "/usr/bin", "/usr/share/applications", "/usr/share/icons/hicolor",
                "/usr/share/icons/hicolor/16x16/apps", "/usr/share/polkit-1/actions");
        assertThat(files).allMatch(path -> path.startsWith("/opt/stickwright") || path.startsWith("/usr/"));

        // The same application in both packages.
        Set<String> debApp = debContents().stream().filter(path -> path.startsWith("/opt/stickwright/"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> rpmApp = files.stream().filter(path -> path.startsWith("/opt/stickwright/"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(rpmApp).isEqualTo(debApp);

        List<String> requires = lines(Tool.run("rpm", "-qpR", rpm.toString()).ok().stdout());
        assertThat(requires).contains("libgtk-3.so.0()(64bit)", "libc.so.6()(64bit)");
        assertThat(requires).noneMatch(requirement -> requirement.startsWith("libjvm") || requirement.startsWith("libjli")
                || requirement.startsWith("libglass") || requirement.startsWith("libjava"));
        assertThat(lines(Tool.run("rpm", "-qpP", rpm.toString()).ok().stdout()))
                .noneMatch(provided -> provided.contains(".so"));
    }

    @Test
    void rpmPayloadRunsFromWhereverItIsUnpacked() throws IOException {
        Path unpacked = OUT.resolve("rpm-payload");
        Tool.run("rm", "-rf", unpacked.toString()).ok();
        Files.createDirectories(unpacked);
        Tool.run(unpacked, 300, List.of("sh", "-c", "rpm2cpio '" + rpm + "' | cpio -idm --quiet")).ok();
        Tool.Result result = Tool.run(unpacked.resolve("opt/stickwright/bin/stickwright").toString(), "--version").ok();
        assertThat(result.stdout().trim()).isEqualTo("stickwright " + version);
        assertThat(Files.readSymbolicLink(unpacked.resolve("usr/bin/stickwright")))
                .isEqualTo(Path.of("/opt/stickwright/bin/stickwright"));
        Tool.run("rm", "-rf", unpacked.toString()).ok();
    }

    private void checkInstalledFiles() throws IOException {
        Set<String> listed = new TreeSet<>(lines(Tool.run("dpkg", "-L", "stickwright").ok().stdout()));
        assertThat(listed).contains("/usr/bin/stickwright", "/opt/stickwright/bin/stickwright-helper",
                "/usr/share/polkit-1/actions/org.stickwright.helper.policy", "/usr/share/doc/stickwright/copyright");
        assertThat(Files.readSymbolicLink(Path.of("/usr/bin/stickwright"))).isEqualTo(Path.of("/opt/stickwright/bin/stickwright"));
        Path desktop = Path.of("/usr/share/applications/org.stickwright.Stickwright.desktop");
        Path metainfo = Path.of("/usr/share/metainfo/org.stickwright.Stickwright.metainfo.xml");
        Path policy = Path.of("/usr/share/polkit-1/actions/org.stickwright.helper.policy");
        assertThat(desktop).hasSameBinaryContentAs(DesktopIntegrationFilesTest.DESKTOP);
        assertThat(metainfo).hasSameBinaryContentAs(DesktopIntegrationFilesTest.METAINFO);
        assertThat(policy).hasSameBinaryContentAs(DesktopIntegrationFilesTest.POLICY);
        assertThat(Tool.run("desktop-file-validate", desktop.toString()).ok().output()).isEmpty();
        Tool.run("appstreamcli", "validate", "--no-net", metainfo.toString()).ok();
        Tool.run("xmllint", "--noout", "--dtdvalid", "/usr/share/polkit-1/policyconfig-1.dtd", policy.toString()).ok();
        // polkit runs what exec.path names: it must be the installed, root-owned, executable helper.
        Path helper = Path.of(DesktopIntegrationFilesTest.INSTALLED_HELPER);
        assertThat(Files.isExecutable(helper)).isTrue();
        assertThat(Files.getOwner(helper).getName()).isEqualTo("root");
        assertThat(Files.isExecutable(Path.of(DesktopIntegrationFilesTest.INSTALLED_LAUNCHER))).isTrue();
        for (int size : DesktopIntegrationFilesTest.HICOLOR_SIZES) {
            assertThat(Path.of("/usr/share/icons/hicolor/" + size + "x" + size + "/apps/stickwright.png")).isRegularFile();
        }
        // Checksums dpkg --verify can use: every regular file of the package.
        assertThat(Tool.run("dpkg", "--verify", "stickwright").ok().output()).isEmpty();
    }

    private void checkCommandLine() {
        // Run as a desktop user's shell would find it: on the PATH, through the /usr/bin link.
        Tool.Result versionOut = Tool.run("stickwright", "--version").ok();
        assertThat(versionOut.stdout().trim()).isEqualTo("stickwright " + version);
        Tool.Result list = Tool.run("stickwright", "list").ok();
        assertThat(list.stdout()).isNotBlank();
        Tool.Result json = Tool.run("stickwright", "list", "--all", "--json").ok();
        assertThat(lines(json.stdout())).isNotEmpty().allMatch(line -> line.startsWith("{") && line.endsWith("}"));
    }

    /**
     * With the wizard in the build, opens it from the installed launcher under Xvfb and keeps a
     * screenshot; without it (the GUI is not merged yet), checks what the launcher does instead
     * without arguments: print the command line's usage.
     */
    private void checkWizardOrItsAbsence() throws IOException {
        boolean hasWizard;
        try (JarFile jar = new JarFile("/opt/stickwright/lib/app/stickwright-" + version + ".jar")) {
            hasWizard = jar.stream().anyMatch(entry -> entry.getName().startsWith("org/stickwright/ui/"));
        }
        if (!hasWizard) {
            System.out.println("no wizard in this build (no org.stickwright.ui classes): checked the launcher's no-argument usage instead of a screenshot");
            Tool.Result usage = Tool.run("stickwright").ok();
            assertThat(usage.output()).contains("Usage: stickwright");
            return;
        }
        Path screenshot = OUT.resolve("wizard-installed.png");
        Files.deleteIfExists(screenshot);
        // A fresh home: the wizard must find JavaFX's native libraries in the runtime, not unpack them there.
        Path home = Files.createTempDirectory(OUT, "home");
        Tool.run(null, 300, List.of("env", "HOME=" + home, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                Path.of("src/test/installers/screenshot.sh").toAbsolutePath().toString(), screenshot.toString(), "Stickwright",
                "120", "/usr/bin/stickwright")).ok();
        assertThat(screenshot).isRegularFile();
        System.out.println("wizard screenshot: " + screenshot);
        assertThat(home.resolve(".openjfx")).doesNotExist();
        // The menu entry and the running window must be recognised as one application: JavaFX names
        // each window's WM_CLASS after the Application class, which the entry's StartupWMClass states.
        String wmClass = Files.readString(Path.of(screenshot + ".wmclass"));
        String startupWmClass = DesktopIntegrationFilesTest.desktopKey("StartupWMClass");
        assertThat(wmClass).contains("\"" + startupWmClass + "\"");
        Tool.run("rm", "-rf", home.toString()).ok();
    }

    private List<String> debContents() {
        // dpkg-deb -c lists "./usr/bin/stickwright -> /opt/..." for links; keep the path only.
        List<String> paths = new ArrayList<>();
        for (String line : lines(Tool.run("dpkg-deb", "--contents", deb.toString()).ok().stdout())) {
            String[] fields = line.split("\\s+", 6);
            String path = fields[5].replaceFirst(" -> .*$", "").replaceFirst("^\\.", "").replaceFirst("/$", "");
            if (!path.isEmpty()) {
                paths.add(path);
            }
        }
        return paths;
    }

    private static Set<String> stickwrightNamedPaths() {
        Set<String> found = new TreeSet<>();
        for (String place : PLACES) {
            if (Files.isDirectory(Path.of(place))) {
                found.addAll(lines(Tool.run("find", place, "-xdev", "-iname", "*stickwright*").stdout()));
            }
        }
        return found;
    }

    private static void purgeIfInstalled() {
        if (Tool.run("dpkg-query", "-W", "-f=${Status}", "stickwright").stdout().contains("installed")) {
            Tool.run(null, 1200, List.of("apt-get", "-o", APT_LOCK_WAIT, "remove", "--purge", "-y", "stickwright")).ok();
        }
    }

    private static List<String> lines(String text) {
        return Arrays.stream(text.split("\n")).map(String::trim).filter(line -> !line.isEmpty())
                .collect(Collectors.toCollection(ArrayList::new));
    }
}
