package io.shoal.ingress.policy;

import java.util.Locale;

/** Whether and which PROXY protocol header the proxy sends to the backend first. */
public enum ProxyProtocol {
    NONE,
    V1,
    V2;

    /** Parses {@code none}, {@code v1} or {@code v2} (any case); anything else names the accepted values. */
    public static ProxyProtocol parse(String value) {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        for (ProxyProtocol p : values()) {
            if (p.name().equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("proxy protocol: '" + value + "' is not one of none, v1, v2");
    }
}
