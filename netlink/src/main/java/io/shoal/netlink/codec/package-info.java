/**
 * The netlink wire format, with no native code: {@link io.shoal.netlink.codec.MessageBuilder} writes
 * requests, {@link io.shoal.netlink.codec.MessageParser} reads replies into views, and one record per
 * fixed family header ({@code ifinfomsg}, {@code ifaddrmsg}, {@code rtmsg}, {@code ndmsg},
 * {@code genlmsghdr}, {@code nlmsgerr}).
 *
 * <p>Netlink is in host byte order except where an attribute says otherwise (ports, addresses);
 * parsing never returns null, it throws {@link io.shoal.netlink.codec.MalformedMessageException}
 * naming what was expected at which offset.
 */
package io.shoal.netlink.codec;
