package io.shoal.netlink.uapi;

/** Constants of {@code <linux/rtnetlink.h>}: message types, {@code rtmsg} fields, route attributes. */
public final class RtnetlinkH {
    private RtnetlinkH() {}

    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_SETLINK = 19;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_DELROUTE = 25;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWNEIGH = 28;
    public static final int RTM_DELNEIGH = 29;
    public static final int RTM_GETNEIGH = 30;
    public static final int RTM_NEWRULE = 32;
    public static final int RTM_DELRULE = 33;
    public static final int RTM_GETRULE = 34;

    /** {@code RT_TABLE_UNSPEC}. */
    public static final int RT_TABLE_UNSPEC = 0;
    /** {@code RT_TABLE_DEFAULT}. */
    public static final int RT_TABLE_DEFAULT = 253;
    /** {@code RT_TABLE_MAIN}. */
    public static final int RT_TABLE_MAIN = 254;
    /** {@code RT_TABLE_LOCAL}. */
    public static final int RT_TABLE_LOCAL = 255;

    /** {@code RTPROT_KERNEL}: route installed by the kernel. */
    public static final int RTPROT_KERNEL = 2;
    /** {@code RTPROT_BOOT}: route installed during boot (what {@code ip route add} uses). */
    public static final int RTPROT_BOOT = 3;
    /** {@code RTPROT_STATIC}: route installed by the administrator. */
    public static final int RTPROT_STATIC = 4;

    /** {@code RT_SCOPE_UNIVERSE}. */
    public static final int RT_SCOPE_UNIVERSE = 0;
    /** {@code RT_SCOPE_LINK}. */
    public static final int RT_SCOPE_LINK = 253;
    /** {@code RT_SCOPE_HOST}. */
    public static final int RT_SCOPE_HOST = 254;
    /** {@code RT_SCOPE_NOWHERE}: in a delete request, matches routes of any scope. */
    public static final int RT_SCOPE_NOWHERE = 255;

    /** {@code RTN_UNICAST}. */
    public static final int RTN_UNICAST = 1;
    /** {@code RTN_LOCAL}. */
    public static final int RTN_LOCAL = 2;

    /** {@code RTNH_F_ONLINK}: the gateway is on the link even if no prefix covers it. */
    public static final int RTNH_F_ONLINK = 4;

    /** {@code sizeof(struct rtmsg)}. */
    public static final int RTMSG_SIZE = 12;

    /** {@code RTA_DST}. */
    public static final int RTA_DST = 1;
    /** {@code RTA_SRC}. */
    public static final int RTA_SRC = 2;
    /** {@code RTA_OIF}. */
    public static final int RTA_OIF = 4;
    /** {@code RTA_GATEWAY}. */
    public static final int RTA_GATEWAY = 5;
    /** {@code RTA_PRIORITY}. */
    public static final int RTA_PRIORITY = 6;
    /** {@code RTA_PREFSRC}. */
    public static final int RTA_PREFSRC = 7;
    /** {@code RTA_TABLE}. */
    public static final int RTA_TABLE = 15;

    /** Name of an rtnetlink message type, e.g. {@code RTM_NEWLINK}, or {@code type=N}. */
    public static String messageTypeName(int type) {
        String control = NetlinkH.controlMessageName(type);
        if (control != null) {
            return control;
        }
        return switch (type) {
            case RTM_NEWLINK -> "RTM_NEWLINK";
            case RTM_DELLINK -> "RTM_DELLINK";
            case RTM_GETLINK -> "RTM_GETLINK";
            case RTM_SETLINK -> "RTM_SETLINK";
            case RTM_NEWADDR -> "RTM_NEWADDR";
            case RTM_DELADDR -> "RTM_DELADDR";
            case RTM_GETADDR -> "RTM_GETADDR";
            case RTM_NEWROUTE -> "RTM_NEWROUTE";
            case RTM_DELROUTE -> "RTM_DELROUTE";
            case RTM_GETROUTE -> "RTM_GETROUTE";
            case RTM_NEWNEIGH -> "RTM_NEWNEIGH";
            case RTM_DELNEIGH -> "RTM_DELNEIGH";
            case RTM_GETNEIGH -> "RTM_GETNEIGH";
            case RTM_NEWRULE -> "RTM_NEWRULE";
            case RTM_DELRULE -> "RTM_DELRULE";
            case RTM_GETRULE -> "RTM_GETRULE";
            default -> "type=" + type;
        };
    }
}
