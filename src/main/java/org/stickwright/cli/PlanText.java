package org.stickwright.cli;

import org.stickwright.engine.job.CreatePlan;
import org.stickwright.engine.job.Sizes;

/** The plan in words, shown before the confirmation: what the stick will hold. */
final class PlanText {
    private PlanText() {
    }

    static String describe(CreatePlan plan) {
        StringBuilder text = new StringBuilder();
        text.append(plan.family().family().displayName()).append(", ").append(plan.request().mode().cliName())
                .append(" mode, on ").append(Sizes.human(plan.targetSize())).append(":\n");
        for (CreatePlan.PlannedPartition p : plan.partitions()) {
            text.append(String.format("  partition %d  %-10s %9s  %s%s%n", p.number(), p.role(), Sizes.human(p.length()),
                    p.filesystem(), p.label() == null ? "" : " \"" + p.label() + "\""));
        }
        for (CreatePlan.PlannedFile f : plan.files()) {
            text.append(String.format("  file %s on partition %d  %s  (%s)%n", f.path(), f.partition(),
                    Sizes.human(f.length()), f.role()));
        }
        for (String entry : plan.bootEntries()) {
            text.append("  boot entry: ").append(entry).append('\n');
        }
        for (String note : plan.notes()) {
            text.append("  note: ").append(note).append('\n');
        }
        return text.toString().stripTrailing();
    }
}
