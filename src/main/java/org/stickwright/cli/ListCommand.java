package org.stickwright.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.stickwright.platform.DisplayText;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DriveListing;
import org.stickwright.platform.DrivePartition;
import org.stickwright.platform.DriveSource;
import org.stickwright.platform.DriveText;
import org.stickwright.platform.SizeText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stickwright list [--all] [--json]}: the drives a user may write. By default only
 * removable or USB disks that hold nothing of the running system; {@code --all} adds fixed
 * internal disks, loop devices and the system disk, each marked. The system disk is shown only
 * as "never writable": no flag makes it a target.
 *
 * <p>With {@code --json}, one object per line (design §4): {@code {"event":"drive",...}} per
 * drive, then {@code {"event":"result","status":"ok","drives":N,"hidden":M}}; on failure
 * {@code {"event":"error","code":4,"message":...}}. A drive event carries {@code path},
 * {@code vendor}, {@code model}, {@code serial} (sanitised), {@code size} in bytes, {@code bus}
 * (usb, ata, scsi, nvme, mmc, virtio, loop, other), {@code removable} (flag or USB),
 * {@code fixed} (needs --allow-fixed-disk), {@code loop}, {@code system} with
 * {@code systemReason}, {@code writable} (false only for the system disk), the whole disk's
 * {@code mountPoints} and {@code partitions} ({@code path, label, fsType, size, mountPoints}).
 */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the drives Stickwright can write (removable and USB disks).")
public final class ListCommand implements Callable<Integer> {
    static final int EXIT_IO_ERROR = 4;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    @Option(names = "--all", description = "Also show fixed internal disks, loop devices and the system disk.")
    boolean all;

    @Option(names = "--json", description = "Print one JSON object per line.")
    boolean json;

    @Spec
    CommandSpec spec;

    private final DriveSource source;

    public ListCommand() {
        this(null);
    }

    /** With a given drive source (tests); {@code null} means this machine's. */
    public ListCommand(DriveSource source) {
        this.source = source;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Drive> drives;
        try {
            drives = (source != null ? source : DriveSource.forThisMachine()).drives();
        } catch (IOException | RuntimeException e) {
            String message = "cannot list drives: " + e.getMessage();
            if (json) {
                JsonObject error = new JsonObject();
                error.addProperty("event", "error");
                error.addProperty("code", EXIT_IO_ERROR);
                error.addProperty("message", message);
                out.println(GSON.toJson(error));
                out.flush();
            } else {
                spec.commandLine().getErr().println(message);
                spec.commandLine().getErr().flush();
            }
            return EXIT_IO_ERROR;
        }
        List<Drive> shown = DriveListing.visible(drives, all);
        int hidden = drives.size() - shown.size();
        if (json) {
            for (Drive drive : shown) {
                out.println(GSON.toJson(toJson(drive)));
            }
            JsonObject result = new JsonObject();
            result.addProperty("event", "result");
            result.addProperty("status", "ok");
            result.addProperty("drives", shown.size());
            result.addProperty("hidden", hidden);
            out.println(GSON.toJson(result));
        } else {
            printTable(out, shown, hidden);
        }
        out.flush();
        return 0;
    }

    private void printTable(PrintWriter out, List<Drive> shown, int hidden) {
        if (shown.isEmpty()) {
            out.println(all ? "No drives found." : "No removable or USB drives found.");
        } else {
            int pathWidth = "DEVICE".length();
            int sizeWidth = "SIZE".length();
            int busWidth = "BUS".length();
            for (Drive drive : shown) {
                pathWidth = Math.max(pathWidth, drive.path().length());
                sizeWidth = Math.max(sizeWidth, SizeText.human(drive.size()).length());
                busWidth = Math.max(busWidth, drive.bus().label().length());
            }
            String row = "%-" + pathWidth + "s  %" + sizeWidth + "s  %-" + busWidth + "s  %s%n";
            out.printf(row, "DEVICE", "SIZE", "BUS", "DRIVE");
            for (Drive drive : shown) {
                StringBuilder name = new StringBuilder(DriveText.name(drive));
                DriveListing.markers(drive).forEach(marker -> name.append("  [").append(marker).append(']'));
                out.printf(row, drive.path(), SizeText.human(drive.size()), drive.bus().label(), name);
                drive.systemReason().ifPresent(reason ->
                        out.println("    system disk — never writable: it " + reason));
                DriveText.partitionLines(drive).forEach(out::println);
            }
        }
        if (hidden > 0 && !all) {
            out.println(hidden + (hidden == 1 ? " more disk" : " more disks")
                    + " (fixed, loop or system) hidden; `stickwright list --all` shows them.");
        }
    }

    static JsonObject toJson(Drive drive) {
        JsonObject object = new JsonObject();
        object.addProperty("event", "drive");
        object.addProperty("path", drive.path());
        object.addProperty("vendor", drive.vendor());
        object.addProperty("model", drive.model());
        object.addProperty("serial", drive.serial());
        object.addProperty("size", drive.size());
        object.addProperty("bus", drive.bus().label());
        object.addProperty("removable", drive.removable());
        object.addProperty("fixed", drive.fixed());
        object.addProperty("loop", drive.loop());
        object.addProperty("system", drive.system());
        object.addProperty("systemReason", drive.systemReason().orElse(null));
        object.addProperty("writable", !drive.system());
        object.add("mountPoints", strings(drive.mountPoints()));
        JsonArray partitions = new JsonArray();
        for (DrivePartition partition : drive.partitions()) {
            JsonObject p = new JsonObject();
            p.addProperty("path", partition.path());
            p.addProperty("label", DisplayText.sanitize(partition.label()));
            p.addProperty("fsType", partition.fsType());
            p.addProperty("size", partition.size());
            p.add("mountPoints", strings(partition.mountPoints()));
            partitions.add(p);
        }
        object.add("partitions", partitions);
        return object;
    }

    private static JsonArray strings(List<String> values) {
        JsonArray array = new JsonArray();
        values.forEach(array::add);
        return array;
    }
}
