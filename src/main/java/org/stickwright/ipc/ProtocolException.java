package org.stickwright.ipc;

import java.io.IOException;

/** A line that is not a message of this protocol version: the peer stops and says why. */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
