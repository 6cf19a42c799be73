package org.stickwright.ui;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javafx.application.Application;

/**
 * Light or dark, following the desktop: {@code -Dstickwright.theme=light|dark} first (screenshots,
 * tests), then GNOME's {@code color-scheme}, then Windows' {@code AppsUseLightTheme}; light
 * when nothing says otherwise.
 */
public enum Theme {
    LIGHT, DARK;

    public static Theme preferred() {
        String forced = System.getProperty("stickwright.theme");
        if (forced != null) {
            return "dark".equalsIgnoreCase(forced) ? DARK : LIGHT;
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("linux")) {
            String scheme = ask("gsettings", "get", "org.gnome.desktop.interface", "color-scheme");
            return scheme.contains("dark") ? DARK : LIGHT;
        }
        if (os.startsWith("windows")) {
            String value = ask("reg", "query", "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Themes\\Personalize",
                    "/v", "AppsUseLightTheme");
            return value.matches("(?s).*AppsUseLightTheme\\s+REG_DWORD\\s+0x0\\b.*") ? DARK : LIGHT;
        }
        return LIGHT;
    }

    /** Applies the theme in its binary (pre-parsed) form: parsing the 170 kB text stylesheet costs a second at start-up. */
    public void apply() {
        Application.setUserAgentStylesheet(this == DARK ? new PrimerDark().getUserAgentStylesheetBSS()
                : new PrimerLight().getUserAgentStylesheetBSS());
    }

    /** A desktop setting, or "" when the tool is missing or slow (start-up must not wait on it). */
    private static String ask(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return "";
            }
            return new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
