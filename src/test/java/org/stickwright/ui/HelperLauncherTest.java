package org.stickwright.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HelperLauncherTest {

    @Test
    void windowsElevationWrapsTheHelperInFileModeAndPassesItsExitCodeOn() {
        List<String> command = HelperLauncher.runAs(Path.of("C:/Users/O'Brien/plan.json"), Path.of("C:/tmp/events.jsonl"));
        assertThat(command.subList(0, 4)).containsExactly("powershell.exe", "-NoProfile", "-NonInteractive", "-Command");
        String script = command.get(4);
        assertThat(script).startsWith("$p = Start-Process -FilePath '").contains("-Verb RunAs").endsWith("exit $p.ExitCode");
        assertThat(script).contains("'helper','--plan-file','C:/Users/O''Brien/plan.json','--events-file','C:/tmp/events.jsonl'");
    }

    @Test
    void argumentsWithSpacesKeepTheirOwnQuotesForStartProcess() {
        assertThat(HelperLauncher.quoteForWindowsCommandLine("C:\\\\Program Files\\\\x.jar")).isEqualTo("\"C:\\\\Program Files\\\\x.jar\"");
        assertThat(HelperLauncher.quoteForWindowsCommandLine("plain")).isEqualTo("plain");
        assertThat(HelperLauncher.quote("it's")).isEqualTo("'it''s'");
    }

    @Test
    void onLinuxADeviceTargetIsElevatedWithPkexecUnlessWeAreRoot() {
        List<String> device = HelperLauncher.command("/dev/sdz");
        List<String> file = HelperLauncher.command("/tmp/stick.img");
        assertThat(file.get(0)).isNotEqualTo("pkexec");
        assertThat(file.get(file.size() - 1)).isEqualTo("helper");
        assertThat(device.get(0).equals("pkexec")).isEqualTo(!HelperLauncher.runningAsRoot());
    }

    @Test
    void theInstalledHelperScriptBesideTheLauncherIsWhatPkexecRuns(@TempDir Path bin) throws IOException {
        Path launcher = Files.createFile(bin.resolve("stickwright"));
        assertThat(HelperLauncher.installedHelper(launcher.toString())).isNull();
        Path helper = Files.createFile(bin.resolve("stickwright-helper"));
        assertThat(HelperLauncher.installedHelper(launcher.toString())).isNull();
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(HelperLauncher.installedHelper(launcher.toString())).isEqualTo(helper);
        assertThat(HelperLauncher.installedHelper(null)).isNull();
    }
}
