package io.shoal.netlink.codec;

import io.shoal.netlink.uapi.NetlinkH;
import java.util.Optional;

/**
 * {@code struct nlmsgerr}: the kernel's answer to a request, an ack when {@code error} is 0.
 *
 * @param error 0 for an ack, else a negative errno
 * @param request the echoed header of the request this answers
 * @param kernelMessage the extended-ack text ({@code NLMSGERR_ATTR_MSG}) when the kernel sent one
 */
public record ErrorMessage(int error, NetlinkHeader request, Optional<String> kernelMessage) {
    /** Bytes of error code + echoed header. */
    public static final int SIZE = 4 + NetlinkHeader.SIZE;

    /** True when this is an acknowledgement (error 0). */
    public boolean isAck() {
        return error == 0;
    }

    /** The positive errno (e.g. 17 for EEXIST), 0 for an ack. */
    public int errno() {
        return -error;
    }

    /** Decodes the payload of an {@code NLMSG_ERROR} message. */
    public static ErrorMessage decode(NetlinkMessage message) {
        if (!message.isError()) {
            throw new MalformedMessageException(
                    message.offset(), "an NLMSG_ERROR message (type 2)", "type " + message.type());
        }
        int at = message.requirePayload(SIZE, "nlmsgerr (error + echoed nlmsghdr)");
        var buffer = message.buffer();
        int error = buffer.getInt(at);
        NetlinkHeader request = NetlinkHeader.decode(buffer, at + 4, message.end());
        Optional<String> text = Optional.empty();
        if (message.header().hasFlags(NetlinkH.NLM_F_ACK_TLVS)) {
            int echoed = message.header().hasFlags(NetlinkH.NLM_F_CAPPED)
                    ? NetlinkHeader.SIZE
                    : Align.align4(Math.max(request.length(), NetlinkHeader.SIZE));
            int tlvs = at + 4 + echoed;
            if (tlvs > message.end() || tlvs < at) {
                throw new MalformedMessageException(
                        at + 4, "an echoed request of " + echoed + " bytes", (message.end() - at - 4) + " bytes");
            }
            text = Attributes.parse(buffer, tlvs, message.end())
                    .find(NetlinkH.NLMSGERR_ATTR_MSG)
                    .map(Attribute::string);
        }
        return new ErrorMessage(error, request, text);
    }
}
