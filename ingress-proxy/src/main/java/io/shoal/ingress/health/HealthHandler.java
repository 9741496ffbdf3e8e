package io.shoal.ingress.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.shoal.ingress.mesh.RoutingMesh;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one health request from the mesh's lock-free state (nothing here blocks the event
 * loop). Every answer is a one-line {@code text/plain} body, {@code Cache-Control: no-store}, and
 * {@code Connection: close} unless the client asked to keep the connection alive. A request the
 * codec could not parse gets 400 and the connection is closed.
 */
final class HealthHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HealthHandler.class);

    private final RoutingMesh mesh;
    private final HealthMetrics metrics;

    HealthHandler(RoutingMesh mesh, HealthMetrics metrics) {
        this.mesh = mesh;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            String why = String.valueOf(req.decoderResult().cause().getMessage());
            LOG.debug("health: bad request from {}: {}", ctx.channel().remoteAddress(), why);
            respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "bad request", false, false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = HttpMethod.HEAD.equals(req.method());
        HealthRoute route = HealthRoute.parse(new QueryStringDecoder(req.uri()).path());
        switch (route.kind()) {
            case NOT_FOUND -> respond(ctx, req, HttpResponseStatus.NOT_FOUND, "not found", keepAlive, head);
            case BAD -> respond(ctx, req, HttpResponseStatus.BAD_REQUEST, route.error(), keepAlive, head);
            default -> {
                if (!head && !HttpMethod.GET.equals(req.method())) {
                    respond(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed", keepAlive, false);
                    return;
                }
                Verdict v = route.kind() == HealthRoute.Kind.NODE
                        ? Verdict.node(mesh.isStarted(), mesh.isDraining())
                        : Verdict.port(
                                mesh.isStarted(), mesh.isDraining(), route.port(), route.protocol(), mesh.portStates());
                HttpResponseStatus status = v.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
                respond(ctx, req, status, v.reason(), keepAlive, head);
            }
        }
    }

    private void respond(
            ChannelHandlerContext ctx,
            FullHttpRequest req,
            HttpResponseStatus status,
            String reason,
            boolean keepAlive,
            boolean head) {
        metrics.answered(status.code());
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        // A HEAD answer carries the length of the body a GET would get, and no body.
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
            res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res);
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("health: connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
