package org.stickwright.platform;

/**
 * Cleans strings that come from device firmware or filesystem labels before they reach a
 * terminal, a JSON line or the GUI. A USB stick can name itself anything: ANSI escape
 * sequences (which would let it redraw the confirmation prompt), right-to-left overrides
 * (which reverse how "Kingston" reads), zero-width characters (which make two different names
 * look alike) or kilobytes of text. We keep printable text only, collapse whitespace runs,
 * trim, and cap the length.
 */
public final class DisplayText {
    /** Longest vendor/model/label we show; real ones are at most 40 characters. */
    public static final int MAX_LENGTH = 64;

    private DisplayText() {
    }

    public static String sanitize(String raw) {
        return sanitize(raw, MAX_LENGTH);
    }

    public static String sanitize(String raw, int maxLength) {
        if (raw == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(raw.length(), maxLength + 1));
        boolean pendingSpace = false;
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                pendingSpace = out.length() > 0;
                continue;
            }
            if (!shown(cp)) {
                continue;
            }
            if (pendingSpace) {
                out.append(' ');
                pendingSpace = false;
            }
            out.appendCodePoint(cp);
            if (out.length() >= maxLength) {
                break;
            }
        }
        if (out.length() > maxLength) {
            // A surrogate pair may have pushed us one char over; never cut one in half.
            int end = maxLength;
            if (Character.isHighSurrogate(out.charAt(end - 1))) {
                end--;
            }
            out.setLength(end);
        }
        return out.toString();
    }

    private static boolean shown(int cp) {
        switch (Character.getType(cp)) {
            case Character.CONTROL:       // C0/C1 controls, ESC, DEL
            case Character.FORMAT:        // bidi overrides/isolates, zero-width (ZWSP/ZWJ/ZWNJ), BOM, soft hyphen
            case Character.UNASSIGNED:
            case Character.PRIVATE_USE:
            case Character.SURROGATE:     // a lone surrogate: broken UTF-16
                return false;
            default:
                return true;
        }
    }
}
