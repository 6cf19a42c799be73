/**
 * The privileged helper ({@code stickwright helper}): the only part of the desktop application
 * that opens a disk. The wizard starts it (elevated by pkexec or UAC when the target is a real
 * drive, unelevated for image files and loop devices in development), sends one
 * {@link org.stickwright.ipc.JobPlan} and reads {@link org.stickwright.ipc.HelperEvent} lines
 * back. It applies the same checks as the command line before writing a byte, because whoever
 * wrote the plan may not be the wizard.
 */
package org.stickwright.helper;
