/**
 * Header decoding: {@link io.portwatch.capture.decode.PacketDecoder} turns a captured frame into a
 * reused {@link io.portwatch.capture.decode.DecodedPacket}, one small class per protocol layer.
 *
 * <p>Each layer class names its header's field offsets as constants and reads fields in place with
 * static accessors taking {@code (ByteBuffer buf, int offset)} (no object per frame), plus a
 * package-private decode step that checks bounds and lengths and moves a shared cursor on to the
 * next layer. Nothing is allocated per frame and no exception is thrown or caught: what cannot be
 * decoded is reported as a {@link io.portwatch.capture.decode.DecodeError} and counted in
 * {@link io.portwatch.capture.decode.DecodeStats}.
 */
package io.portwatch.capture.decode;
