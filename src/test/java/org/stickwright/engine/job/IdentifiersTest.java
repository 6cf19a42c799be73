package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdentifiersTest {
    @Test
    void theSameSeedGivesTheSameIdentifiersAndTime() {
        Identifiers a = Identifiers.seeded(42);
        Identifiers b = Identifiers.seeded(42);
        for (int i = 0; i < 50; i++) {
            assertThat(a.uuid()).isEqualTo(b.uuid());
            assertThat(a.serial()).isEqualTo(b.serial());
        }
        assertThat(a.now()).isEqualTo(b.now());
        assertThat(Identifiers.seeded(43).uuid()).isNotEqualTo(Identifiers.seeded(42).uuid());
    }

    @Test
    void uuidsAreVersion4AndRandomByDefault() {
        Identifiers ids = Identifiers.random();
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            UUID uuid = ids.uuid();
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(ids.serial()).isNotZero();
            seen.add(uuid);
        }
        assertThat(seen).hasSize(1000);
        assertThat(Duration.between(ids.now(), Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
        assertThat(ids.seeded()).isFalse();
    }

    @Test
    void aRequestWithASeedHandsOutSeededIdentifiers() {
        CreateRequest request = CreateRequest.hybrid(Path.of("live.iso"), 1L << 30).withSeed(7);
        assertThat(request.identifiers().seeded()).isTrue();
        assertThat(request.identifiers().uuid()).isEqualTo(Identifiers.seeded(7).uuid());
        assertThat(CreateRequest.hybrid(Path.of("live.iso"), 1L << 30).identifiers().seeded()).isFalse();
    }
}
