package org.stickwright.ipc;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * Encodes and decodes the helper protocol's lines (see the package documentation). Decoding
 * checks the version before anything else: a GUI and a helper from different releases must
 * fail loudly, not half-understand each other about which disk to erase.
 */
public final class HelperProtocol {
    /** The protocol version this build speaks; any other is refused. */
    public static final int VERSION = 1;
    /** Longest line accepted: a plan is a few hundred bytes; a megabyte is nobody's plan. */
    public static final int MAX_LINE = 1 << 20;

    /** The {@code stickwright overlay} subcommands a plan may name (as {@code overlay-NAME}). */
    public static final java.util.List<String> OVERLAY_OPERATIONS = java.util.List.of("inspect", "resize", "reset",
            "recover", "merge", "export", "import");
    static final java.util.List<String> OVERLAY_WITH_ARGUMENT = java.util.List.of("resize", "merge", "export", "import");

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private HelperProtocol() {
    }

    /** One line of JSON (no line break inside). */
    public static String encode(Object message) {
        return GSON.toJson(message);
    }

    public static JobPlan decodePlan(String line) throws ProtocolException {
        JobPlan plan = convert(checked(line), JobPlan.class);
        String operation = plan.operation();
        String overlay = plan.overlayOperation();
        if (!(JobPlan.WRITE.equals(operation) || JobPlan.CREATE.equals(operation) || JobPlan.INSPECT.equals(operation)
                || overlay != null && OVERLAY_OPERATIONS.contains(overlay))) {
            throw new ProtocolException("unknown operation: " + operation);
        }
        if (plan.target() == null || plan.target().isBlank()) {
            throw new ProtocolException("a plan names a target");
        }
        if (overlay != null) {
            if (OVERLAY_WITH_ARGUMENT.contains(overlay) && (plan.argument() == null || plan.argument().isBlank())) {
                throw new ProtocolException("a " + operation + " plan names its argument");
            }
            return plan;
        }
        if (!JobPlan.INSPECT.equals(operation) && (plan.image() == null || plan.image().isBlank())) {
            throw new ProtocolException("a " + operation + " plan names an image");
        }
        return plan;
    }

    public static HelperEvent decodeEvent(String line) throws ProtocolException {
        HelperEvent event = convert(checked(line), HelperEvent.class);
        if (!(event.isProgress() || event.isFinal())) {
            throw new ProtocolException("unknown event: " + event.event());
        }
        return event;
    }

    /** The line that asks a running helper to stop (the target is then wiped, as the contract says). */
    public static String cancelLine() {
        JsonObject cancel = new JsonObject();
        cancel.addProperty("version", VERSION);
        cancel.addProperty("command", "cancel");
        return GSON.toJson(cancel);
    }

    /** Whether a line the GUI sent after the plan is the cancel command (anything else is ignored). */
    public static boolean isCancel(String line) {
        try {
            JsonObject object = checked(line);
            JsonElement command = object.get("command");
            return command != null && command.isJsonPrimitive() && "cancel".equals(command.getAsString());
        } catch (ProtocolException e) {
            return false;
        }
    }

    private static JsonObject checked(String line) throws ProtocolException {
        if (line == null) {
            throw new ProtocolException("the stream ended before a message");
        }
        if (line.length() > MAX_LINE) {
            throw new ProtocolException("a line of " + line.length() + " characters is longer than any message");
        }
        JsonElement element;
        try {
            element = JsonParser.parseString(line);
        } catch (JsonParseException e) {
            throw new ProtocolException("not JSON: " + e.getMessage());
        }
        if (!element.isJsonObject()) {
            throw new ProtocolException("not a JSON object");
        }
        JsonObject object = element.getAsJsonObject();
        JsonElement version = object.get("version");
        if (version == null || !version.isJsonPrimitive() || !version.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException("the message has no version (this helper speaks version " + VERSION + ")");
        }
        if (version.getAsDouble() != VERSION) {
            throw new ProtocolException("protocol version " + version.getAsString() + " is not supported (this helper speaks version "
                    + VERSION + ")");
        }
        return object;
    }

    private static <T> T convert(JsonObject object, Class<T> type) throws ProtocolException {
        try {
            return GSON.fromJson(object, type);
        } catch (JsonParseException | NumberFormatException | IllegalStateException e) {
            throw new ProtocolException("a field has the wrong type: " + e.getMessage());
        }
    }
}
