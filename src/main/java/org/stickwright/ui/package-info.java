/**
 * The desktop application (design §3, shaped after Cryptomator): {@link org.stickwright.ui.App}
 * builds an {@link org.stickwright.ui.AppContext} (the composition root) whose
 * {@link org.stickwright.ui.FxmlLoaderFactory} creates each FXML view's controller; the views are
 * named once in {@link org.stickwright.ui.FxmlFile}, their strings come from
 * {@code i18n/strings.properties}. The six wizard steps share only a
 * {@link org.stickwright.ui.WizardModel}; all background work goes through
 * {@link org.stickwright.ui.Tasks}. Disks are never opened here: a job is a
 * {@link org.stickwright.ipc.JobPlan} handed to the helper process
 * ({@link org.stickwright.ui.HelperLauncher}, {@link org.stickwright.ui.HelperSession}), whose
 * counters the Progress step pulls ten times a second.
 */
package org.stickwright.ui;
