/**
 * The command line (picocli): one class per command, thin over the engine's jobs. The contract
 * (commands, options, exit codes, {@code --json} events) is design §4; exit codes come from
 * {@link org.stickwright.engine.job.Outcome}.
 */
package org.stickwright.cli;
