package org.stickwright.ui;

import java.util.Optional;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DriveText;
import org.stickwright.platform.SizeText;

/**
 * One line of the Drive step: a drive the OS reported, or (development and tests only) an
 * existing image file. {@code refusal} is why it may not be chosen, shown in words instead of
 * being selectable: the system disk, a drive too small for the image.
 */
public record TargetChoice(String path, String title, String detail, long size, Optional<Drive> drive, String refusal) {

    public static TargetChoice of(Drive drive) {
        String detail = SizeText.human(drive.size()) + " · " + drive.path() + " · " + drive.bus().label()
                + partitionsText(drive);
        String refusal = drive.systemReason().map(reason -> "system:" + reason).orElse(null);
        return new TargetChoice(drive.path(), DriveText.name(drive), detail, drive.size(), Optional.of(drive), refusal);
    }

    public static TargetChoice imageFile(java.nio.file.Path file, long size) {
        return new TargetChoice(file.toString(), file.getFileName().toString(), SizeText.human(size) + " · " + file,
                size, Optional.empty(), null);
    }

    private static String partitionsText(Drive drive) {
        if (drive.partitions().isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        drive.partitions().forEach(p -> {
            text.append(text.length() == 0 ? " · " : ", ");
            String label = p.label() == null || p.label().isBlank() ? p.path() : org.stickwright.platform.DisplayText.sanitize(p.label());
            text.append(label);
            if (p.fsType() != null && !p.fsType().isBlank()) {
                text.append(" (").append(p.fsType()).append(')');
            }
        });
        return text.toString();
    }

    public boolean imageFileTarget() {
        return drive.isEmpty();
    }

    public TargetChoice withRefusal(String why) {
        return new TargetChoice(path, title, detail, size, drive, why);
    }
}
