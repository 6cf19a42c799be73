package org.stickwright.ipc;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.stickwright.engine.job.CreateRequest;

/**
 * The one message the GUI sends first: what to write where. It is a request, not an order: the
 * helper re-checks the image, the target (the same safety rules as the CLI) and the sizes.
 * {@code operation} is {@code write} (the image byte for byte, design §1 raw mode) or
 * {@code create} (a persistent stick, {@code create} set) or {@code inspect} (read the stick's
 * stores, write nothing). {@code createSize} &gt;= 0 creates a
 * missing image-file target of that size, as the CLI's {@code --size} does.
 */
public record JobPlan(int version, String operation, String image, String target, long createSize,
        boolean allowFixedDisk, boolean unmount, boolean verify, CreateSpec create, String profile, String argument,
        boolean confirmed) {

    public static final String WRITE = "write";
    public static final String CREATE = "create";
    /** Read-only: list the stick's persistence stores (technician window); {@code image} is unused. */
    public static final String INSPECT = "inspect";
    /**
     * Prefix of the overlay operations ({@code overlay-inspect}, {@code overlay-resize}, …): the
     * {@code stickwright overlay} subcommand of that name on the store {@code profile} (null: the
     * only one), {@code argument} its size or file. Unconfirmed, a writing one only checks and
     * answers with its question; added in version 1 (older plans decode unchanged).
     */
    public static final String OVERLAY_PREFIX = "overlay-";

    /** A version 1 plan as written before the overlay operations (no profile, argument, confirmation). */
    public JobPlan(int version, String operation, String image, String target, long createSize,
            boolean allowFixedDisk, boolean unmount, boolean verify, CreateSpec create) {
        this(version, operation, image, target, createSize, allowFixedDisk, unmount, verify, create, null, null, false);
    }

    /** {@code stickwright overlay OPERATION TARGET [--profile P] [ARGUMENT]}, {@code --yes} when confirmed. */
    public static JobPlan overlay(String operation, Path target, String profile, String argument, boolean confirmed) {
        return new JobPlan(HelperProtocol.VERSION, OVERLAY_PREFIX + operation, null, target.toString(), -1, false, false,
                false, null, profile, argument, confirmed);
    }

    /** The overlay subcommand this plan names, or null when it is not an overlay plan. */
    public String overlayOperation() {
        return operation != null && operation.startsWith(OVERLAY_PREFIX) ? operation.substring(OVERLAY_PREFIX.length())
                : null;
    }

    /** The create request's fields in protocol form (sizes in bytes, enums as lower-case names). */
    public record CreateSpec(String mode, long persistence, long home, List<ProfileSpec> profiles, String label,
            String dataFs, boolean gpt, Long seed) {
    }

    /** A named persistence store. */
    public record ProfileSpec(String name, long size) {
    }

    public static JobPlan write(Path image, Path target, long createSize, boolean unmount, boolean verify) {
        return new JobPlan(HelperProtocol.VERSION, WRITE, image.toString(), target.toString(), createSize, false,
                unmount, verify, null);
    }

    public static JobPlan inspect(Path target) {
        return new JobPlan(HelperProtocol.VERSION, INSPECT, null, target.toString(), -1, false, false, false, null);
    }

    public static JobPlan create(CreateRequest request, Path target, long createSize, boolean unmount) {
        CreateSpec spec = new CreateSpec(request.mode().cliName(), request.persistence(), request.home(),
                request.profiles().stream().map(p -> new ProfileSpec(p.name(), p.size())).toList(), request.label(),
                request.dataFs().name().toLowerCase(Locale.ROOT), request.gpt(),
                request.seed().isPresent() ? request.seed().getAsLong() : null);
        return new JobPlan(HelperProtocol.VERSION, CREATE, request.image().toString(), target.toString(), createSize,
                false, unmount, request.verify(), spec);
    }

    /**
     * The engine request this plan names; every field is checked again here because the helper
     * trusts nothing that came over the pipe.
     */
    public CreateRequest toRequest() throws ProtocolException {
        if (create == null) {
            throw new ProtocolException("a create plan needs its \"create\" object");
        }
        CreateRequest.Mode mode = parse(CreateRequest.Mode.class, "mode", create.mode());
        CreateRequest.DataFs dataFs = create.dataFs() == null ? CreateRequest.DataFs.FAT32
                : parse(CreateRequest.DataFs.class, "dataFs", create.dataFs());
        requireSize("persistence", create.persistence());
        requireSize("home", create.home());
        List<ProfileSpec> specs = create.profiles() == null ? List.of() : create.profiles();
        List<CreateRequest.Profile> profiles = new java.util.ArrayList<>();
        for (ProfileSpec profile : specs) {
            if (profile == null || profile.name() == null || !profile.name().matches("[A-Za-z0-9_-]{1,32}")) {
                throw new ProtocolException("a profile name must be 1 to 32 letters, digits, '-' or '_'");
            }
            requireSize("profile " + profile.name(), profile.size());
            profiles.add(new CreateRequest.Profile(profile.name(), profile.size()));
        }
        return new CreateRequest(Path.of(image), mode, create.persistence(), create.home(), profiles, create.label(),
                dataFs, create.gpt(), false, null, verify,
                create.seed() == null ? OptionalLong.empty() : OptionalLong.of(create.seed()));
    }

    private static void requireSize(String what, long bytes) throws ProtocolException {
        if (bytes < 0) {
            throw new ProtocolException(what + " size is negative: " + bytes);
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String field, String text) throws ProtocolException {
        if (text != null) {
            for (E value : type.getEnumConstants()) {
                if (value.name().equalsIgnoreCase(text)) {
                    return value;
                }
            }
        }
        throw new ProtocolException("unknown " + field + ": " + text);
    }
}
