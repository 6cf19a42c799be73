package org.stickwright.ui;

import java.util.List;
import java.util.Locale;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import org.stickwright.engine.job.CreatePlan;
import org.stickwright.platform.SizeText;

/**
 * The stick drawn as a bar: one block per planned partition, its width proportional to its size
 * (with a minimum so a 1 MiB partition stays visible), unused space at the end. A block's style
 * class is its role ({@code role-iso}, {@code role-persistence}, ...), its text the size.
 */
public final class PartitionBar extends HBox {
    private static final double MIN_SHARE = 0.06;

    public PartitionBar() {
        getStyleClass().add("partition-bar");
        setFillHeight(true);
        setMinHeight(56);
        setPrefHeight(56);
    }

    public void show(List<CreatePlan.PlannedPartition> partitions, long diskSize) {
        getChildren().clear();
        long used = 0;
        for (CreatePlan.PlannedPartition partition : partitions) {
            used = Math.max(used, partition.offset() + partition.length());
            add(roleName(partition.role()), partition.length(), diskSize, "role-" + styleRole(partition.role()),
                    partition.label());
        }
        long free = diskSize - used;
        if (free > diskSize / 200) {
            add("unused", free, diskSize, "role-free", null);
        }
    }

    private void add(String name, long length, long diskSize, String style, String label) {
        double share = Math.max(MIN_SHARE, diskSize <= 0 ? 1 : (double) length / diskSize);
        Label text = new Label(name + "\n" + SizeText.human(length));
        text.getStyleClass().add("partition-text");
        StackPane block = new StackPane(text);
        block.getStyleClass().addAll("partition-block", style);
        block.setMinWidth(76);
        block.setPrefWidth(share * 1000);
        HBox.setHgrow(block, Priority.ALWAYS);
        Tooltip.install(block, new Tooltip(name + (label == null || label.isBlank() ? "" : " (" + label + ")") + ", "
                + SizeText.human(length)));
        getChildren().add(block);
    }

    private static String styleRole(String role) {
        return role == null ? "other" : role.startsWith("profile:") ? "profile" : role.toLowerCase(Locale.ROOT);
    }

    private static String roleName(String role) {
        if (role == null) {
            return "";
        }
        return role.startsWith("profile:") ? role.substring("profile:".length()) : role;
    }
}
