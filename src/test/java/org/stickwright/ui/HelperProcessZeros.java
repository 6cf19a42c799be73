package org.stickwright.ui;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a file range holds only zero bytes (a wiped or never-written target). */
final class HelperProcessZeros {
    private HelperProcessZeros() {
    }

    static boolean allZero(Path file) throws IOException {
        return zeros(file, 0, Files.size(file));
    }

    static boolean zeros(Path file, long from, long to) throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            byte[] buffer = new byte[1 << 20];
            for (long at = from; at < Math.min(to, in.length()); at += buffer.length) {
                in.seek(at);
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, to - at));
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
