package org.stickwright.ui;

import java.util.ResourceBundle;

/** Turns an outcome code of the contract (design §4) into the sentence the user reads. */
public final class ProblemText {
    private ProblemText() {
    }

    public static String forCode(ResourceBundle strings, int code) {
        String key = switch (code) {
            case 2 -> "problem.badInput";
            case 3 -> "problem.refused";
            case 4 -> "problem.io";
            case 5 -> "problem.verify";
            case 130 -> "problem.cancelled";
            default -> "problem.unknown";
        };
        return strings.getString(key);
    }
}
