package org.stickwright.engine.part;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class LayoutPlannerProperties {
    private static final long MIB = 1L << 20;

    @Property(tries = 500)
    void plansAreAlignedDisjointAndInsideTheDisk(@ForAll("disks") long diskBytes,
                                                 @ForAll @LongRange(min = 0, max = 8L << 30) long contentEnd,
                                                 @ForAll("requests") List<LayoutPlanner.Request> requests) {
        LayoutPlanner planner = LayoutPlanner.forGpt(diskBytes, 512, 32);
        try {
            List<LayoutPlanner.Extent> extents = planner.plan(contentEnd, requests);
            assertThat(extents).hasSameSizeAs(requests);
            long previousEnd = Math.max(contentEnd, MIB);
            for (int i = 0; i < extents.size(); i++) {
                LayoutPlanner.Extent e = extents.get(i);
                assertThat(e.offset() % MIB).isZero();
                assertThat(e.offset()).isGreaterThanOrEqualTo(previousEnd);
                assertThat(e.length()).isPositive();
                assertThat(e.length() % MIB).isZero();
                assertThat(e.end()).isLessThanOrEqualTo(planner.usableEndBytes());
                if (!requests.get(i).isRestOfDisk()) {
                    assertThat(e.length()).isBetween(requests.get(i).bytes(), requests.get(i).bytes() + MIB - 1);
                }
                previousEnd = e.end();
            }
        } catch (LayoutDoesNotFitException e) {
            int failed = e.requestIndex();
            assertThat(e.largestPossibleBytes()).isLessThan(requests.get(failed).isRestOfDisk()
                    ? 1 : requests.get(failed).bytes());
            assertThat(e.largestPossibleBytes() % MIB).isZero();
            if (e.largestPossibleBytes() > 0) {
                // The reported size really is possible: the same plan with it fits.
                List<LayoutPlanner.Request> shrunk = new ArrayList<>(requests.subList(0, failed));
                shrunk.add(LayoutPlanner.Request.ofSize(e.largestPossibleBytes()));
                List<LayoutPlanner.Extent> extents = plannerPlan(planner, contentEnd, shrunk);
                assertThat(extents.get(failed).end()).isLessThanOrEqualTo(planner.usableEndBytes());
                // And one byte more does not.
                shrunk.set(failed, LayoutPlanner.Request.ofSize(e.largestPossibleBytes() + 1));
                assertThatThrownBy(() -> planner.plan(contentEnd, shrunk)).isInstanceOf(LayoutDoesNotFitException.class);
            }
        }
    }

    @Property(tries = 200)
    void mbrPlansStayWithinThirtyTwoBitSectors(@ForAll @LongRange(min = 1L << 30, max = 16L << 40) long diskBytes) throws Exception {
        LayoutPlanner planner = LayoutPlanner.forMbr(diskBytes, 512);
        List<LayoutPlanner.Extent> extents = planner.plan(0, List.of(LayoutPlanner.Request.restOfDisk()));
        assertThat(extents.get(0).end() / 512).isLessThanOrEqualTo(0xFFFFFFFFL);
        assertThat(extents.get(0).end()).isLessThanOrEqualTo(diskBytes - 33 * 512);
    }

    @Test
    void worksTheExampleInTheSourceComment() throws Exception {
        LayoutPlanner planner = LayoutPlanner.forGpt(4L << 30, 512, 32);
        List<LayoutPlanner.Extent> extents = planner.plan(3_014_657_024L,
                List.of(LayoutPlanner.Request.ofSize(1L << 30), LayoutPlanner.Request.restOfDisk()));
        assertThat(extents.get(0).offset()).isEqualTo(2876 * MIB);
        assertThat(extents.get(1).offset()).isEqualTo(3900 * MIB);
        // The rest ends on the last whole MiB before the backup array (4 GiB - 33 sectors).
        assertThat(extents.get(1).end()).isEqualTo((4L << 30) - MIB);
    }

    @Test
    void tooLargeRequestReportsTheRoomLeft() {
        LayoutPlanner planner = LayoutPlanner.forMbr(100 * MIB + 33 * 512, 512);
        assertThatThrownBy(() -> planner.plan(10 * MIB + 1, List.of(LayoutPlanner.Request.ofSize(200 * MIB))))
                .isInstanceOfSatisfying(LayoutDoesNotFitException.class,
                        e -> assertThat(e.largestPossibleBytes()).isEqualTo(89 * MIB));
    }

    private static List<LayoutPlanner.Extent> plannerPlan(LayoutPlanner planner, long contentEnd,
                                                         List<LayoutPlanner.Request> requests) {
        try {
            return planner.plan(contentEnd, requests);
        } catch (LayoutDoesNotFitException e) {
            throw new AssertionError("the largest possible size did not fit", e);
        }
    }

    @Provide
    Arbitrary<Long> disks() {
        return Arbitraries.longs().between(2 * MIB, 64L << 30);
    }

    @Provide
    Arbitrary<List<LayoutPlanner.Request>> requests() {
        Arbitrary<LayoutPlanner.Request> sized = Arbitraries.longs().between(1, 16L << 30).map(LayoutPlanner.Request::ofSize);
        Arbitrary<List<LayoutPlanner.Request>> fixed = sized.list().ofMinSize(1).ofMaxSize(5);
        Arbitrary<Boolean> rest = Arbitraries.of(true, false);
        return Combinators.combine(fixed, rest).as((list, withRest) -> {
            List<LayoutPlanner.Request> all = new ArrayList<>(list);
            if (withRest) {
                all.add(LayoutPlanner.Request.restOfDisk());
            }
            return all;
        });
    }
}
