package org.stickwright.ui;

import org.stickwright.engine.job.CreateRequest;

/** The three ways the wizard can make a stick (design §1); RAW is a plain live stick without persistence. */
public enum WizardMode {
    HYBRID, EXTRACT, RAW;

    /** The engine's create mode, or null for a raw write. */
    public CreateRequest.Mode createMode() {
        return switch (this) {
            case HYBRID -> CreateRequest.Mode.HYBRID;
            case EXTRACT -> CreateRequest.Mode.EXTRACT;
            case RAW -> null;
        };
    }
}
