package org.stickwright.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.family.FamilyDetector;
import org.stickwright.engine.family.LiveFamily;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Compression;
import org.stickwright.engine.io.ImageContent;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.job.ImageCheck;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.WriteJob;

/**
 * What the Image step shows about the chosen image, found the way {@code stickwright inspect}
 * finds it: compression, content, ISO label, the live family and the modes it allows.
 * {@code size} is the uncompressed size, what a raw write puts on the stick.
 */
public record ImageInfo(Path path, long fileSize, long size, Compression compression, ImageContent.Kind kind, String label,
        LiveFamily family, List<WizardMode> modes) {

    /** Reads the image; slow for compressed images (they are decompressed once to learn their size). */
    public static ImageInfo inspect(Path path) throws JobException, IOException {
        ImageSource source;
        try {
            source = ImageSource.of(path);
        } catch (BadImageException e) {
            throw new JobException(org.stickwright.engine.job.Outcome.BAD_INPUT, e.getMessage(), e);
        }
        ImageCheck.Checked checked = WriteJob.checkImage(source, null, new Progress(), new Cancellation());
        ImageContent content = checked.content();
        LiveFamily family = null;
        if (content.kind() == ImageContent.Kind.ISO9660 && source.compression() == Compression.NONE) {
            try (ImageFile file = ImageFile.openReadOnly(path)) {
                family = FamilyDetector.detect(IsoImage.open(file));
            }
        }
        List<WizardMode> modes = new ArrayList<>();
        if (family != null && family.isKnown()) {
            modes.add(WizardMode.HYBRID);
            modes.add(WizardMode.EXTRACT);
        }
        if (content.kind() != ImageContent.Kind.UNKNOWN) {
            modes.add(WizardMode.RAW);
        }
        return new ImageInfo(path, source.fileSize(), checked.size(), source.compression(), content.kind(),
                content.isoLabel(), family, List.copyOf(modes));
    }

    public boolean persistenceAvailable() {
        return modes.contains(WizardMode.HYBRID);
    }
}
