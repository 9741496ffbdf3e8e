package io.shoal.balancer.ipvs;

import java.util.Objects;

/**
 * A virtual service as IPVS holds it ({@code IPVS_CMD_ATTR_SERVICE}).
 *
 * @param key address/protocol/port or fwmark
 * @param scheduler scheduler name, e.g. {@code rr}, {@code wrr}, {@code mh} (at most 15 bytes)
 * @param flags {@code IP_VS_SVC_F_*} without the kernel's own {@code HASHED} bit
 * @param timeout persistence timeout in seconds (used with {@code IP_VS_SVC_F_PERSISTENT})
 * @param netmask persistence granularity: the IPv4 netmask as an int in network order
 *     ({@code 0xffffffff}), or the IPv6 prefix length ({@code 128})
 */
public record IpvsService(IpvsServiceKey key, String scheduler, int flags, int timeout, int netmask) {
    public IpvsService {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(scheduler, "scheduler");
        if (scheduler.isEmpty() || scheduler.length() >= IpVsH.IP_VS_SCHEDNAME_MAXLEN) {
            throw new IllegalArgumentException(
                    "scheduler must be 1..15 characters (IP_VS_SCHEDNAME_MAXLEN), was '" + scheduler + "'");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 seconds, was " + timeout);
        }
        flags &= ~IpVsH.IP_VS_SVC_F_HASHED;
    }

    /** True when clients stick to their destination ({@code IP_VS_SVC_F_PERSISTENT}). */
    public boolean persistent() {
        return (flags & IpVsH.IP_VS_SVC_F_PERSISTENT) != 0;
    }

    @Override
    public String toString() {
        return key + " " + scheduler + (persistent() ? " persistent " + timeout + "s" : "")
                + (flags != 0 ? " flags 0x" + Integer.toHexString(flags) : "");
    }
}
