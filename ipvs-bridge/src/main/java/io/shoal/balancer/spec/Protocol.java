package io.shoal.balancer.spec;

/** Transport protocol of a virtual service. */
public enum Protocol {
    TCP("tcp"),
    UDP("udp");

    private final String keyword;

    Protocol(String keyword) {
        this.keyword = keyword;
    }

    /** The lower-case name used by nftables ({@code meta l4proto tcp}) and in messages. */
    public String keyword() {
        return keyword;
    }
}
