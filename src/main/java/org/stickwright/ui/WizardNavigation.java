package org.stickwright.ui;

/** A step that moves the wizard itself (Progress moves on when the job ends; Done starts over). */
interface WizardNavigation {
    void attach(WizardController wizard);
}
