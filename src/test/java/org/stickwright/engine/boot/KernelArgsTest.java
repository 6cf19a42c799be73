package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelArgsTest {
    private static final String PREFIX = "\tlinux /casper/vmlinuz";

    private static String edit(String args, List<String> add, List<String> remove) {
        return KernelArgs.edit(PREFIX + args, PREFIX.length(), add, remove).substring(PREFIX.length());
    }

    @Test
    void addsBeforeTheInstalledSystemSeparatorAndLeavesWhatFollowsAlone() {
        assertThat(edit("  --- quiet splash", List.of("persistent"), List.of())).isEqualTo(" persistent  --- quiet splash");
        assertThat(edit(" nomodeset --- quiet persistent", List.of("persistent"), List.of("quiet")))
                .isEqualTo(" nomodeset persistent --- quiet persistent");
    }

    @Test
    void replacesAnArgumentWithTheSameKeyInPlaceAndDropsLaterDuplicates() {
        assertThat(edit(" a rd.live.overlay=LABEL=OLD b rd.live.overlay=x c", List.of("rd.live.overlay=LABEL=NEW"), List.of()))
                .isEqualTo(" a rd.live.overlay=LABEL=NEW b c");
    }

    @Test
    void removesByKeyKeepingTheSpacingOfEverythingElse() {
        assertThat(edit(" root=live:CDLABEL=F41  rd.live.image rd.live.check quiet\t", List.of(), List.of("rd.live.check")))
                .isEqualTo(" root=live:CDLABEL=F41  rd.live.image quiet\t");
        assertThat(edit(" persistence-label=work persistence", List.of(), List.of("persistence-label")))
                .isEqualTo(" persistence");
    }

    @Test
    void quotedArgumentsStayWhole() {
        assertThat(KernelArgs.split("acpi_osi=\"Windows 2015\" 'a b' c\\ d")).containsExactly("acpi_osi=\"Windows 2015\"", "'a b'", "c\\ d");
        assertThat(edit(" acpi_osi=\"Windows 2015\" quiet", List.of(), List.of("acpi_osi"))).isEqualTo(" quiet");
    }

    @Test
    void anEditThatChangesNothingReturnsTheSameString() {
        String line = PREFIX + " quiet persistent --- splash";
        assertThat(KernelArgs.edit(line, PREFIX.length(), List.of("persistent"), List.of("nopersistent"))).isSameAs(line);
    }

    @Test
    void addingToAnEmptyCommandLineAppends() {
        assertThat(edit("", List.of("cow_label=X", "cow_directory=d"), List.of())).isEqualTo(" cow_label=X cow_directory=d");
    }

    @Test
    void recipesRefuseWhatCannotWork() {
        assertThatThrownBy(() -> PersistenceRecipe.ubuntu(List.of("work")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writable");
        assertThatThrownBy(() -> new PersistenceRecipe.Profile("x", List.of("a b"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PersistenceRecipe.Profile("x", List.of("---"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PersistenceRecipe.Profile("it's", List.of("a"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PersistenceRecipe.debian(List.of("work", "WORK")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ");
    }

    @Test
    void fedoraRecipeAddsOverlayfsOnlyForOverlayfsKinds() {
        assertThat(PersistenceRecipe.fedora("UUID=1234", true, List.of()).defaultProfile().add())
                .containsExactly("rd.live.overlay=UUID=1234", "rd.live.overlay.overlayfs");
        PersistenceRecipe dm = PersistenceRecipe.fedora("UUID=1234", false,
                List.of(new PersistenceRecipe.NamedLocation("lab", "/LiveOS/lab.img")));
        assertThat(dm.defaultProfile().add()).containsExactly("rd.live.overlay=UUID=1234");
        assertThat(dm.defaultProfile().remove()).containsExactly("rd.live.overlay.overlayfs");
        assertThat(dm.profiles().get(1).add()).containsExactly("rd.live.overlay=UUID=1234:/LiveOS/lab.img");
        assertThat(dm.profiles().get(1).slug()).isEqualTo("persistent-lab");
        assertThat(dm.removeFromAllEntries()).containsExactly("rd.live.check");
    }
}
