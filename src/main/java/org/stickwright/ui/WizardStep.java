package org.stickwright.ui;

import javafx.beans.value.ObservableBooleanValue;

/** A wizard page's contract with the shell: when Next may be pressed, and what to do on arrival. */
public interface WizardStep {
    /** Whether the step's choices are complete and legal. */
    ObservableBooleanValue canAdvance();

    /** Called each time the step is shown (also after Back). */
    default void entered() {
    }
}
